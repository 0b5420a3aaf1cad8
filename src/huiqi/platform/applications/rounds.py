"""申报批次 (application rounds): a city bureau opens one of its measures for one fiscal year
between two Beijing dates; firms submit only into a round that is open today.

Whether a round may reach past the policy's validity window is the policy package's reading
`interpretation.rounds_after_window_end` (default false: both dates inside the window), so a
platform running after the policy ended cannot take new claims unless the package says so.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from huiqi.platform.applications.lifecycle import units_measures
from huiqi.platform.applications.models import ApplicationRound
from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.clock import business_today
from huiqi.platform.enterprises.schemas import Year
from huiqi.platform.errors import ApiError, forbidden
from huiqi.platform.policy import get_policy, measure

AFTER_WINDOW = "interpretation.rounds_after_window_end"


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_id: str = Field(min_length=1, max_length=32, description="措施编号，如 2.6.1")
    fiscal_year: Year = Field(description="申报所属会计年度")
    title: str = Field(default="", max_length=200, description="批次名称，默认按措施与年度生成")
    opens_on: dt.date = Field(description="开放日（北京时间，含）；不早于今天")
    closes_on: dt.date = Field(description="截止日（北京时间，含）")

    @model_validator(mode="after")
    def _order(self) -> RoundIn:
        if self.closes_on < self.opens_on:
            raise ValueError("截止日不能早于开放日")
        return self


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    measure_id: str
    fiscal_year: int
    title: str
    opens_on: dt.date
    closes_on: dt.date
    opened_by: str
    is_open: bool = False


def out(r: ApplicationRound, today: dt.date | None = None) -> RoundOut:
    day = today or business_today()
    res = RoundOut.model_validate(r)
    res.is_open = r.opens_on <= day <= r.closes_on
    return res


def window_limit() -> tuple[dt.date, dt.date | None]:
    """(earliest opening day, latest closing day or None when the package allows later)."""
    pol = get_policy()
    after = bool(pol.parameter_at(AFTER_WINDOW, pol.window_start))
    return pol.window_start, None if after else pol.window_end


def open_round(db: Session, p: Principal, data: RoundIn) -> ApplicationRound:
    spec = measure(data.measure_id)
    if p.role != "admin" and (p.role != "city_officer" or spec.id not in units_measures(p.units)):
        raise forbidden("只有该措施责任单位的市级审核员可以开放申报批次")
    today = business_today()
    if data.opens_on < today:
        raise ApiError(422, "not_in_past", f"开放日不能早于今天（{today}，北京时间）", "opens_on")
    start, end = window_limit()
    if data.opens_on < start:
        raise ApiError(422, "outside_window", f"政策自 {start} 起施行，批次不能早于该日开放",
                       "opens_on")  # fmt: skip
    if end is not None and data.closes_on > end:
        raise ApiError(
            422,
            "outside_window",
            f"政策有效期至 {end} 止，申报批次须在有效期内截止（政策包参数 {AFTER_WINDOW}）",
            "closes_on",
        )
    overlap = db.scalar(
        select(ApplicationRound.id).where(
            ApplicationRound.measure_id == spec.id,
            ApplicationRound.fiscal_year == data.fiscal_year,
            ApplicationRound.opens_on <= data.closes_on,
            ApplicationRound.closes_on >= data.opens_on,
        )
    )
    if overlap is not None:
        raise ApiError(
            409, "round_overlap", f"该措施本年度已有时间重叠的申报批次（{overlap}）", "opens_on"
        )
    rnd = ApplicationRound(
        measure_id=spec.id,
        fiscal_year=data.fiscal_year,
        title=data.title.strip() or f"{spec.id} {spec.title}（{data.fiscal_year} 年度）",
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        opened_by=p.username,
    )
    db.add(rnd)
    db.flush()
    record(db, p, "round.open", "application_round", rnd.id, None, out(rnd).model_dump(mode="json"))
    db.commit()
    return rnd


def open_round_for(db: Session, measure_id: str, fiscal_year: int) -> ApplicationRound:
    """The round open today for this measure and year, or a 409 naming the next/last one."""
    today = business_today()
    rounds = list(
        db.scalars(
            select(ApplicationRound)
            .where(
                ApplicationRound.measure_id == measure_id,
                ApplicationRound.fiscal_year == fiscal_year,
            )
            .order_by(ApplicationRound.opens_on)
        )
    )
    for r in rounds:
        if r.opens_on <= today <= r.closes_on:
            return r
    later = [r for r in rounds if r.opens_on > today]
    hint = (
        f"下一批次 {later[0].opens_on} 开放"
        if later
        else (f"最近一批已于 {rounds[-1].closes_on} 截止" if rounds else "尚未开放申报批次")
    )
    raise ApiError(
        409,
        "round_closed",
        f"措施 {measure_id} 的 {fiscal_year} 年度申报今天（{today}）不在开放的申报批次内：{hint}",
        "measure_id",
    )


def list_rounds(db: Session, measure_id: str | None = None) -> list[ApplicationRound]:
    q = select(ApplicationRound).order_by(ApplicationRound.opens_on.desc(), ApplicationRound.id)
    if measure_id:
        q = q.where(ApplicationRound.measure_id == measure_id)
    return list(db.scalars(q.limit(500)))
