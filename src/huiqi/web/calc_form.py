"""政策计算器 form <-> case JSON. Amounts go to the core as typed ("800万", "１.２亿"): the core's
parser owns the reading of Chinese amounts, so the page and `huiqi evaluate` can never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from huiqi.rules.errors import InputError
from huiqi.rules.explain import explain_data
from huiqi.rules.policy import Policy

RECOGNITION_ROWS = 3
SIZES = [("small", "小型"), ("micro", "微型"), ("medium", "中型"), ("large", "大型")]
FLAG_FIELDS = ("software", "serious_discredit", "project_flag")


def default_dates(pol: Policy, day: dt.date) -> tuple[str, int]:
    """Application day clamped into the window; the fiscal year is the one before it."""
    as_of = min(max(day, pol.window_start), pol.window_end)
    return as_of.isoformat(), as_of.year - 1


def form_spec(pol: Policy) -> dict[str, Any]:
    """What the form offers: recognition and project kinds with their fields (JSON twin too).

    Field titles are the policy package's (explain.yaml), so a new field needs no page code."""
    data = explain_data(pol)

    def title(name: str, kind: str) -> str:
        shown = data.title("projects", name) or name
        return f"{shown}（元）" if kind == "money" else shown

    return {
        "recognition_kinds": [
            {"kind": k, "title": v.title, "levels": [str(x) for x in v.levels]}
            for k, v in pol.recognition_kinds.items()
        ],
        "project_kinds": [
            {
                "kind": k,
                "title": v.title,
                "fields": [
                    {"name": f, "type": t, "title": title(f, t)} for f, t in v.fields.items()
                ],
            }
            for k, v in pol.project_kinds.items()
        ],
        "measures": [{"id": m.id, "title": m.title} for m in pol.measures.values()],
        "sizes": SIZES,
    }


def _s(form: dict[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def case_from_form(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(case JSON, {case path: form field}) — the map puts core errors beside the right field."""
    paths: dict[str, str] = {}
    errors: list[tuple[str, str, str]] = []
    try:
        fy = int(
            _s(form, "fiscal_year").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        )
    except ValueError:
        errors.append(("fiscal_year", "integer", "请填写财务数据所属年度，如 2023"))
        fy = 0
    if errors:
        raise InputError([_fe(*e) for e in errors])
    case: dict[str, Any] = {"as_of": _s(form, "as_of"), "fiscal_year": fy}
    paths.update(as_of="as_of", fiscal_year="fiscal_year")
    ent: dict[str, Any] = {"name": _s(form, "name") or "（未填写企业名称）"}
    for key, field in (
        ("credit_code", "credit_code"),
        ("district", "district"),
        ("size", "size"),
        ("last_penalty_date", "last_penalty_date"),
        ("last_major_penalty_date", "last_major_penalty_date"),
    ):
        if _s(form, field):
            ent[key] = _s(form, field)
        paths[f"enterprise.{key}"] = field
    ent["software_enterprise"] = bool(form.get("software"))
    ent["serious_discredit"] = bool(form.get("serious_discredit"))
    paths["enterprise.software_enterprise"] = "software"
    case["enterprise"] = ent
    annual: dict[str, dict[str, str]] = {}
    for field, year, key in (
        ("revenue", fy, "revenue"),
        ("rd_expense", fy, "rd_expense"),
        ("revenue_prev", fy - 1, "revenue"),
        ("rd_prev", fy - 1, "rd_expense"),
    ):
        if _s(form, field):
            annual.setdefault(str(year), {})[key] = _s(form, field)
            paths[f"annual.{year}.{key}"] = field
    case["annual"] = annual
    recs: list[dict[str, Any]] = []
    for i in range(RECOGNITION_ROWS):
        kind = _s(form, f"rec{i}_kind")
        if not kind:
            continue
        n = len(recs)
        rec: dict[str, Any] = {"kind": kind, "date": _s(form, f"rec{i}_date")}
        if _s(form, f"rec{i}_level"):
            rec["level"] = _s(form, f"rec{i}_level")
        recs.append(rec)
        for k in ("kind", "level", "date"):
            paths[f"recognitions[{n}].{k}"] = f"rec{i}_{k}"
        paths[f"recognitions[{n}]"] = f"rec{i}_kind"
    case["recognitions"] = recs
    case["projects"] = []
    kind = _s(form, "project_kind")
    if kind:
        proj: dict[str, Any] = {
            "id": "p1",
            "kind": kind,
            "name": _s(form, "project_name") or "项目",
        }
        prefix = f"project_{kind}_"
        for key in form:
            if key.startswith(prefix) and _s(form, key):
                name = key[len(prefix) :]
                value: Any = _s(form, key)
                if value in ("on", "true"):
                    value = True
                proj[name] = value
                paths[f"projects[0].{name}"] = key
        paths["projects[0]"] = "project_kind"
        paths["projects[0].kind"] = "project_kind"
        case["projects"].append(proj)
    case["prior_awards"] = []
    if _s(form, "prior_measure"):
        prior: dict[str, Any] = {
            "measure": _s(form, "prior_measure"),
            "amount": _s(form, "prior_amount"),
        }
        if _s(form, "prior_year"):
            prior["fiscal_year"] = _s(form, "prior_year")
        case["prior_awards"].append(prior)
        for k, f in (
            ("measure", "prior_measure"),
            ("amount", "prior_amount"),
            ("fiscal_year", "prior_year"),
        ):
            paths[f"prior_awards[0].{k}"] = f
    return case, paths


def _fe(path: str, rule: str, message: str) -> Any:
    from huiqi.rules.errors import FieldError

    return FieldError(path, rule, message)


def errors_for_form(exc: InputError, paths: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors:
        field = paths.get(e.path) or (e.path if e.path.isidentifier() else None)
        if field is None:  # e.g. "annual.2023" as a whole: the nearest known prefix
            field = next((f for p, f in paths.items() if e.path.startswith(p)), "_form")
        out.setdefault(field, e.message)
    return out


def form_from_case(case: dict[str, Any]) -> dict[str, Any]:
    """Prefill the form from a case (a firm's 一企一档 as the platform builds it)."""
    fy = int(case["fiscal_year"])
    ent = case.get("enterprise", {})
    form: dict[str, Any] = {
        "as_of": case.get("as_of", ""),
        "fiscal_year": fy,
        "name": ent.get("name", ""),
        "credit_code": ent.get("credit_code", ""),
        "district": ent.get("district", ""),
        "size": ent.get("size", "small"),
        "software": "on" if ent.get("software_enterprise") else "",
        "serious_discredit": "on" if ent.get("serious_discredit") else "",
        "last_penalty_date": ent.get("last_penalty_date", ""),
        "last_major_penalty_date": ent.get("last_major_penalty_date", ""),
    }
    annual = case.get("annual", {})
    cur, prev = annual.get(str(fy), {}), annual.get(str(fy - 1), {})
    form.update(
        revenue=cur.get("revenue", ""),
        rd_expense=cur.get("rd_expense", ""),
        revenue_prev=prev.get("revenue", ""),
        rd_prev=prev.get("rd_expense", ""),
    )
    for i, rec in enumerate(case.get("recognitions", [])[:RECOGNITION_ROWS]):
        form[f"rec{i}_kind"] = rec.get("kind", "")
        form[f"rec{i}_level"] = str(rec.get("level", ""))
        form[f"rec{i}_date"] = rec.get("date", "")
    projects = case.get("projects", [])
    if projects:
        p = projects[0]
        form["project_kind"] = p.get("kind", "")
        form["project_name"] = p.get("name", "")
        for k, v in p.items():
            if k not in ("id", "kind", "name") and v is not None:
                form[f"project_{p['kind']}_{k}"] = "on" if v is True else str(v)
    return form
