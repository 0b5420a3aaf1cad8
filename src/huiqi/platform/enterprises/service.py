"""Enterprise profiles (一企一档) with scope checks: who may see and change which firm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record
from huiqi.platform.auth.service import Principal
from huiqi.platform.enterprises import schemas as s
from huiqi.platform.enterprises.districts import official_district
from huiqi.platform.enterprises.models import (
    AnnualFigure,
    Enterprise,
    Penalty,
    Project,
    Recognition,
)
from huiqi.platform.errors import ApiError, forbidden, not_found
from huiqi.platform.pagination import Page, keyset_page
from huiqi.platform.policy import get_policy
from huiqi.rules.credit_code import validate_credit_code

READERS = ("admin", "city_officer", "district_officer", "enterprise")


def snapshot(ent: Enterprise) -> dict[str, Any]:
    return s.EnterpriseOut.model_validate(ent).model_dump(mode="json")


def scope_query(p: Principal) -> Select[Enterprise]:
    q = select(Enterprise)
    if p.role == "enterprise":
        q = q.where(Enterprise.id == (p.enterprise_id or -1))
    elif p.role == "district_officer":
        q = q.where(Enterprise.district == p.district)
    elif p.role not in ("admin", "city_officer"):
        raise forbidden()
    return q


def get_visible(
    db: Session, p: Principal, enterprise_id: int, *, for_update: bool = False
) -> Enterprise:
    """The firm if `p` may see it; 404 otherwise, so another firm's ID reveals nothing."""
    ent = db.scalar(scope_query(p).where(Enterprise.id == enterprise_id))
    if ent is None:
        raise not_found("企业", "enterprise_id")
    if for_update and p.role not in ("admin", "enterprise"):
        raise forbidden("只有企业本身或管理员可以修改企业档案")
    return ent


def create(db: Session, p: Principal, data: s.EnterpriseIn) -> Enterprise:
    if p.role != "admin":
        raise forbidden("只有管理员可以新建企业档案")
    code = validate_credit_code(data.credit_code)
    data = data.model_copy(update={"district": official_district(data.district)})
    if db.scalar(select(Enterprise.id).where(Enterprise.credit_code == code)) is not None:
        raise ApiError(409, "duplicate", f"统一社会信用代码 {code} 已存在", "credit_code")
    ent = Enterprise(**{**data.model_dump(), "credit_code": code})
    db.add(ent)
    db.flush()
    record(db, p, "enterprise.create", "enterprise", ent.id, None, snapshot(ent))
    db.commit()
    return ent


def update(db: Session, p: Principal, enterprise_id: int, data: s.EnterpriseUpdate) -> Enterprise:
    ent = get_visible(db, p, enterprise_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    if "credit_status" in changes and p.role != "admin":
        raise forbidden("信用状态只能由管理员根据信用信息更新")
    if "district" in changes and p.role != "admin":
        # the district routes review and payment: a registration fact, not the firm's choice
        raise forbidden(
            "所属区是登记事项，只能由审核员或管理员变更（PUT /enterprises/{id}/district）"
        )
    if changes.get("district") is not None:
        changes["district"] = official_district(changes["district"])
    before = snapshot(ent)
    for k, v in changes.items():
        if v is None and k != "registered_on":
            raise ApiError(422, "null", "该字段不能为空", k)
        setattr(ent, k, v)
    db.flush()
    record(db, p, "enterprise.update", "enterprise", ent.id, before, snapshot(ent))
    db.commit()
    return ent


def change_district(
    db: Session, p: Principal, enterprise_id: int, district: str, reason: str
) -> Enterprise:
    """An officer or admin records a change of the firm's registered district (audited).
    Claims already submitted keep the district frozen at submission."""
    if p.role not in ("admin", "district_officer", "city_officer"):
        raise forbidden("所属区是登记事项，只能由审核员或管理员变更")
    ent = db.scalar(scope_query(p).where(Enterprise.id == enterprise_id).with_for_update())
    if ent is None:
        raise not_found("企业", "enterprise_id")
    new = official_district(district)
    if not reason.strip():
        raise ApiError(422, "required", "请写明变更依据（如工商登记变更）", "reason")
    before = snapshot(ent)
    ent.district = new
    db.flush()
    after = {**snapshot(ent), "reason": reason.strip()}
    record(db, p, "enterprise.district", "enterprise", ent.id, before, after)
    db.commit()
    return ent


def put_figure(
    db: Session, p: Principal, enterprise_id: int, year: int, data: s.FigureIn
) -> AnnualFigure:
    ent = get_visible(db, p, enterprise_id, for_update=True)
    if not 2000 <= year <= 2100:
        raise ApiError(422, "range", "年度应在 2000–2100 之间", "year")
    fig = db.scalar(
        select(AnnualFigure).where(AnnualFigure.enterprise_id == ent.id, AnnualFigure.year == year)
    )
    before = None
    if fig is None:
        fig = AnnualFigure(enterprise_id=ent.id, year=year)
        db.add(fig)
    else:
        before = s.FigureOut.model_validate(fig).model_dump()
    fig.revenue_fen = data.revenue_fen
    fig.rd_expense_fen = data.rd_expense_fen
    # 从业人员 feeds the 中小微企业划型; kept in `extra` (a new dict, so the JSON column is
    # written). Not given: left as it was, so saving figures from the calculator keeps it.
    if data.employees is not None:
        fig.extra = {**(fig.extra or {}), "employees": data.employees}
    db.flush()
    record(
        db,
        p,
        "enterprise.figure",
        "enterprise",
        ent.id,
        before,
        s.FigureOut.model_validate(fig).model_dump(),
    )
    db.commit()
    return fig


def add_recognition(
    db: Session, p: Principal, enterprise_id: int, data: s.RecognitionIn
) -> Recognition:
    ent = get_visible(db, p, enterprise_id, for_update=True)
    kinds = get_policy().recognition_kinds
    if data.kind not in kinds:
        raise ApiError(
            422, "unknown_kind", f"未知认定类型 {data.kind}，可选：{'、'.join(kinds)}", "kind"
        )
    levels = [str(x) for x in kinds[data.kind].levels]
    if levels and data.level not in levels:
        raise ApiError(422, "enum", f"等级应为 {'、'.join(levels)} 之一", "level")
    rec = Recognition(enterprise_id=ent.id, **data.model_dump())
    db.add(rec)
    db.flush()
    record(
        db, p, "enterprise.recognition", "recognition", rec.id, None, data.model_dump(mode="json")
    )
    db.commit()
    return rec


_FIELD_CHECKS = {
    "money": (int, "应为以分为单位的非负整数"),
    "integer": (int, "应为整数"),
    "flag": (bool, "应为布尔值 true/false"),
    "text": (str, "应为字符串"),
}


def validate_project_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    kinds = get_policy().project_kinds
    if kind not in kinds:
        raise ApiError(
            422, "unknown_kind", f"未知项目类型 {kind}，可选：{'、'.join(kinds)}", "kind"
        )
    spec: dict[str, str] = dict(kinds[kind].fields)
    allowed = {(f + "_fen" if t == "money" else f): t for f, t in spec.items()}
    out: dict[str, Any] = {}
    for key, value in fields.items():
        path = f"fields.{key}"
        if key not in allowed:
            raise ApiError(
                422,
                "extra_forbidden",
                f"项目类型 {kind} 没有字段 {key}，可用：{'、'.join(allowed)}",
                path,
            )
        if value is None:
            out[key] = None
            continue
        t = allowed[key]
        if t == "date":
            try:
                out[key] = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise ApiError(422, "date_parsing", "应为日期（YYYY-MM-DD）", path) from None
            continue
        typ, msg = _FIELD_CHECKS.get(t, (str, "应为字符串"))
        ok = isinstance(value, typ) and (typ is bool or not isinstance(value, bool))
        if (
            not ok
            or (t in ("money", "integer") and not -(10**15) <= value <= 10**15)
            or (t == "money" and value < 0)
        ):
            raise ApiError(422, f"{t}_type", msg, path)
        out[key] = value
    return out


BOARD_PROJECT_KIND = "scenario_challenge"


def add_project(db: Session, p: Principal, enterprise_id: int, data: s.ProjectIn) -> Project:
    ent = get_visible(db, p, enterprise_id, for_update=True)
    if data.kind == BOARD_PROJECT_KIND:
        # its facts (total investment, assessment passed and date) are the bureau's 考核认定:
        # the 揭榜挂帅 board records the project when it assesses it (challenges.assessment)
        raise ApiError(
            422,
            "board_project",
            "揭榜挂帅项目由揭榜挂帅平台在考核认定实施成功后自动建立，不能手工录入",
            "kind",
        )
    fields = validate_project_fields(data.kind, data.fields)
    proj = Project(enterprise_id=ent.id, name=data.name, kind=data.kind, fields=fields)
    db.add(proj)
    db.flush()
    record(
        db,
        p,
        "enterprise.project",
        "project",
        proj.id,
        None,
        {"name": data.name, "kind": data.kind, "fields": fields},
    )
    db.commit()
    return proj


def add_penalty(db: Session, p: Principal, enterprise_id: int, data: s.PenaltyIn) -> Penalty:
    if p.role != "admin":
        raise forbidden("行政处罚记录只能由管理员根据信用信息录入")
    ent = get_visible(db, p, enterprise_id)
    pen = Penalty(enterprise_id=ent.id, **data.model_dump())
    db.add(pen)
    db.flush()
    record(db, p, "enterprise.penalty", "penalty", pen.id, None, data.model_dump(mode="json"))
    db.commit()
    return pen


def delete(db: Session, p: Principal, enterprise_id: int) -> None:
    """Remove a firm created by mistake. Firms with applications are kept: their awards, audit
    trail and payments must stay traceable, so that case is refused."""
    from huiqi.platform.applications.models import Application

    if p.role != "admin":
        raise forbidden("只有管理员可以删除企业档案")
    ent = get_visible(db, p, enterprise_id)
    if db.scalar(select(Application.id).where(Application.enterprise_id == ent.id).limit(1)):
        raise ApiError(
            409,
            "has_applications",
            "该企业已有申报记录，不能删除（可保留档案备查）",
            "enterprise_id",
        )
    from huiqi.platform.challenges.models import ChallengeParty

    if db.scalar(select(ChallengeParty.id).where(ChallengeParty.enterprise_id == ent.id).limit(1)):
        raise ApiError(
            409,
            "has_challenge_bids",
            "该企业参与了揭榜挂帅揭榜（牵头单位或联合体成员），不能删除（可保留档案备查）",
            "enterprise_id",
        )
    before = snapshot(ent)
    db.delete(ent)
    db.flush()
    record(db, p, "enterprise.delete", "enterprise", enterprise_id, before, None)
    db.commit()


def profile(db: Session, p: Principal, enterprise_id: int) -> dict[str, Any]:
    from huiqi.platform.credit.service import check

    ent = get_visible(db, p, enterprise_id)
    c = check(db, ent)
    return {
        **s.EnterpriseOut.model_validate(ent).model_dump(),
        "figures": [s.FigureOut.model_validate(f) for f in ent.figures],
        "recognitions": [s.RecognitionOut.model_validate(r) for r in ent.recognitions],
        "projects": [s.ProjectOut.model_validate(x) for x in ent.projects],
        "penalties": [s.PenaltyOut.model_validate(x) for x in ent.penalties],
        "credit": {"blocked": c.blocked, "reasons": c.reasons},
    }


def list_page(
    db: Session, p: Principal, search: str | None = None, *, cursor: str | None = None,
    limit: int | None = None,
) -> Page[Enterprise]:  # fmt: skip
    """Firms in the person's scope by id, optionally matching a name or credit-code fragment."""
    q = scope_query(p)
    if search:
        q = q.where(
            Enterprise.name.contains(search) | Enterprise.credit_code.contains(search.upper())
        )
    return keyset_page(
        db, "enterprises", q, [Enterprise.id], lambda e: (e.id,), cursor=cursor, limit=limit
    )
