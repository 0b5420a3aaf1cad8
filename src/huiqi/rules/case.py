"""Parse and validate one case (the `huiqi evaluate` JSON) against a policy's vocabulary.

Every problem is collected with its field path before anything is evaluated, so a person
fixes all of them in one go. Amounts become fen; dates become datetime.date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .cn_input import normalise_number_text
from .credit_code import validate_credit_code
from .errors import FieldError, InputError
from .money import parse_amount
from .policy import FactKind, Policy

TOP_FIELDS = {
    "as_of",
    "fiscal_year",
    "enterprise",
    "annual",
    "recognitions",
    "projects",
    "prior_awards",
    "other_policy_awards",
    "policy",
    "readings",
}
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


@dataclass(frozen=True)
class Recognition:
    kind: str
    level: Any
    project: str | None
    date: dt.date | None


@dataclass(frozen=True)
class Project:
    id: str
    kind: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class PriorAward:
    measure: str
    project: str | None
    fiscal_year: int | None
    amount_fen: int


@dataclass(frozen=True)
class OtherPolicyAward:
    policy: str
    measure: str
    project: str | None
    amount_fen: int
    status: str = "paid"  # paid | pending (approved or applied for, not yet paid)


OTHER_AWARD_STATUSES = ("paid", "pending")


@dataclass
class Case:
    as_of: dt.date
    fiscal_year: int
    enterprise: dict[str, Any] = field(default_factory=dict)
    annual: dict[int, dict[str, int]] = field(default_factory=dict)
    recognitions: list[Recognition] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    prior_awards: list[PriorAward] = field(default_factory=list)
    other_policy_awards: list[OtherPolicyAward] = field(default_factory=list)
    # readings this case is evaluated under (name -> value), validated against the policy
    readings: dict[str, Any] = field(default_factory=dict)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, rule: str, message: str) -> None:
        self.errors.append(FieldError(path, rule, message))

    def take(self, exc: InputError) -> None:
        self.errors.extend(exc.errors)

    def amount(self, raw: Any, path: str) -> int | None:
        try:
            return parse_amount(raw, path)
        except InputError as exc:
            self.take(exc)
            return None

    def date(self, raw: Any, path: str) -> dt.date | None:
        if not isinstance(raw, str):
            self.add(path, "date", f"应为日期字符串 YYYY-MM-DD，收到 {raw!r}")
            return None
        text = normalise_number_text(raw)
        m = _CN_DATE.match(text)
        if m:
            text = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            self.add(path, "date", f"日期无效：{raw!r}（应为真实存在的日期，格式 YYYY-MM-DD）")
            return None

    def flag(self, raw: Any, path: str) -> bool | None:
        if isinstance(raw, bool):
            return raw
        if raw in ("是", "否"):
            return bool(raw == "是")
        self.add(path, "bool", f"应为 true/false（是/否），收到 {raw!r}")
        return None

    def integer(self, raw: Any, path: str) -> int | None:
        if isinstance(raw, bool):
            self.add(path, "integer", f"应为整数，收到 {raw!r}")
            return None
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and normalise_number_text(raw).lstrip("-").isdigit():
            return int(normalise_number_text(raw))
        self.add(path, "integer", f"应为整数，收到 {raw!r}")
        return None

    def text(self, raw: Any, path: str) -> str | None:
        if isinstance(raw, str):
            return raw.strip()
        self.add(path, "text", f"应为文本，收到 {raw!r}")
        return None

    def typed(self, kind: str, raw: Any, path: str) -> Any:
        if raw is None:
            return None
        if kind == "money":
            return self.amount(raw, path)
        if kind == "date":
            return self.date(raw, path)
        if kind == "flag":
            return self.flag(raw, path)
        if kind == "integer":
            return self.integer(raw, path)
        return self.text(raw, path)

    def mapping(self, raw: Any, path: str) -> Mapping[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            self.add(path, "object", "应为对象（JSON object）")
            return {}
        return raw

    def listing(self, raw: Any, path: str) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(path, "array", "应为数组（JSON array）")
            return []
        return raw

    def unknown_keys(self, obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in obj:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.add(
                    where,
                    "unknown_field",
                    f"未知字段 {key!r}；可用字段：{', '.join(sorted(allowed))}",
                )


def _level(col: _Collector, kind: FactKind, raw: Any, path: str) -> Any:
    if not kind.levels:
        return None
    if raw is None:
        col.add(path, "required", f"{kind.title}需要填写等级")
        return None
    for allowed in kind.levels:
        if str(allowed) == normalise_number_text(str(raw)):
            return allowed
    shown = "、".join(str(v) for v in kind.levels)
    col.add(path, "level", f"{kind.title}的等级应为 {shown} 之一，收到 {raw!r}")
    return None


def parse_case(raw: Any, policy: Policy) -> Case:
    """Validate `raw` (parsed JSON) into a Case, or raise InputError listing every problem."""
    col = _Collector()
    if not isinstance(raw, Mapping):
        raise InputError.single("$", "object", "案例应为 JSON 对象")
    col.unknown_keys(raw, TOP_FIELDS, "")
    readings = dict(col.mapping(raw.get("readings"), "readings"))
    try:
        # the rest of the case is read under its readings (the fiscal-year lag is one)
        policy = policy.with_readings(readings)
    except InputError as exc:
        col.take(exc)
        readings = {}
    as_of = col.date(raw["as_of"], "as_of") if "as_of" in raw else None
    if "as_of" not in raw:
        col.add("as_of", "required", "缺少申报日期 as_of（YYYY-MM-DD）")
    fiscal_year: int | None = None
    if raw.get("fiscal_year") is not None:
        fiscal_year = col.integer(raw["fiscal_year"], "fiscal_year")
        if fiscal_year is not None and not 1990 <= fiscal_year <= 2100:
            col.add("fiscal_year", "range", f"会计年度应在 1990–2100 之间，收到 {fiscal_year}")
    elif as_of is not None:
        lag = int(policy.parameter_at("interpretation.annual_fiscal_year_lag", as_of))
        fiscal_year = as_of.year - lag

    enterprise: dict[str, Any] = {}
    ent = col.mapping(raw.get("enterprise"), "enterprise")
    col.unknown_keys(ent, set(policy.enterprise_fields), "enterprise")
    for name, kind in policy.enterprise_fields.items():
        if ent.get(name) is None:
            continue
        path = f"enterprise.{name}"
        if name == "credit_code":
            try:
                enterprise[name] = validate_credit_code(ent[name], path)
            except InputError as exc:
                col.take(exc)
            continue
        enterprise[name] = col.typed(kind, ent[name], path)

    annual: dict[int, dict[str, int]] = {}
    for year_key, figures in col.mapping(raw.get("annual"), "annual").items():
        path = f"annual.{year_key}"
        year_text = normalise_number_text(str(year_key))
        if not (year_text.isdigit() and len(year_text) == 4):
            col.add(path, "year", f"年度键应为四位年份，收到 {year_key!r}")
            continue
        figs = col.mapping(figures, path)
        col.unknown_keys(figs, set(policy.annual_fields), path)
        annual[int(year_text)] = {
            name: value
            for name, kind in policy.annual_fields.items()
            if figs.get(name) is not None
            and (value := col.typed(kind, figs[name], f"{path}.{name}")) is not None
        }

    recognitions: list[Recognition] = []
    for i, r in enumerate(col.listing(raw.get("recognitions"), "recognitions")):
        path = f"recognitions[{i}]"
        rec = col.mapping(r, path)
        col.unknown_keys(rec, {"kind", "level", "project", "date", "name"}, path)
        kind_name = rec.get("kind")
        rkind = policy.recognition_kinds.get(str(kind_name))
        if rkind is None:
            col.add(
                f"{path}.kind",
                "recognition_kind",
                f"未知认定类别 {kind_name!r}；可用：{', '.join(policy.recognition_kinds)}",
            )
            continue
        date = col.date(rec["date"], f"{path}.date") if rec.get("date") is not None else None
        project = col.text(rec["project"], f"{path}.project") if rec.get("project") else None
        recognitions.append(
            Recognition(
                rkind.name, _level(col, rkind, rec.get("level"), f"{path}.level"), project, date
            )
        )

    projects: list[Project] = []
    seen_ids: set[str] = set()
    for i, pr in enumerate(col.listing(raw.get("projects"), "projects")):
        path = f"projects[{i}]"
        proj = col.mapping(pr, path)
        pkind = policy.project_kinds.get(str(proj.get("kind")))
        if pkind is None:
            col.add(
                f"{path}.kind",
                "project_kind",
                f"未知项目类别 {proj.get('kind')!r}；可用：{', '.join(policy.project_kinds)}",
            )
            continue
        col.unknown_keys(proj, {"id", "kind", "name", *pkind.fields}, path)
        pid = proj.get("id")
        if not isinstance(pid, str) or not pid.strip():
            col.add(f"{path}.id", "required", "项目需要非空的 id")
            continue
        if pid in seen_ids:
            col.add(f"{path}.id", "unique", f"项目 id {pid!r} 重复")
        seen_ids.add(pid)
        fields = {
            name: col.typed(ftype, proj.get(name), f"{path}.{name}")
            for name, ftype in pkind.fields.items()
        }
        projects.append(Project(pid, pkind.name, fields))

    prior: list[PriorAward] = []
    for i, a in enumerate(col.listing(raw.get("prior_awards"), "prior_awards")):
        path = f"prior_awards[{i}]"
        aw = col.mapping(a, path)
        col.unknown_keys(aw, {"measure", "project", "fiscal_year", "amount", "date"}, path)
        mid = _measure_id(col, policy, aw.get("measure"), f"{path}.measure")
        amount = col.amount(aw.get("amount"), f"{path}.amount")
        fy = (
            col.integer(aw["fiscal_year"], f"{path}.fiscal_year")
            if aw.get("fiscal_year") is not None
            else None
        )
        if mid is not None and amount is not None:
            prior.append(PriorAward(mid, aw.get("project") or None, fy, amount))

    others: list[OtherPolicyAward] = []
    for i, a in enumerate(col.listing(raw.get("other_policy_awards"), "other_policy_awards")):
        path = f"other_policy_awards[{i}]"
        aw = col.mapping(a, path)
        col.unknown_keys(aw, {"policy", "measure", "project", "amount", "status"}, path)
        status = aw.get("status", "paid")
        if status not in OTHER_AWARD_STATUSES:
            col.add(
                f"{path}.status",
                "award_status",
                f"应为 paid（已拨付）或 pending（待拨付），收到 {status!r}",
            )
        mid = _measure_id(col, policy, aw.get("measure"), f"{path}.measure")
        amount = col.amount(aw.get("amount"), f"{path}.amount")
        other_name = aw.get("policy")
        if not isinstance(other_name, str) or not other_name.strip():
            col.add(f"{path}.policy", "required", "需要填写其他政策名称")
            continue
        if mid is not None and amount is not None:
            others.append(
                OtherPolicyAward(
                    other_name.strip(), mid, aw.get("project") or None, amount, str(status)
                )
            )

    if col.errors:
        raise InputError(col.errors)
    assert as_of is not None and fiscal_year is not None
    return Case(
        as_of, fiscal_year, enterprise, annual, recognitions, projects, prior, others, readings
    )


def _measure_id(col: _Collector, policy: Policy, raw: Any, path: str) -> str | None:
    if raw is None:
        col.add(path, "required", "需要填写措施编号")
        return None
    mid = normalise_number_text(str(raw))
    if mid not in policy.measures:
        col.add(
            path, "unknown_measure", f"未知措施编号 {raw!r}；可用：{', '.join(policy.measures)}"
        )
        return None
    return mid
