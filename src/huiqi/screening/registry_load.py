"""Registry tables of one co-partition -> RegistryPart: exact columns joined to the
enterprise rows, bad cases marked, every problem recorded (see tables.py for the format)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from huiqi.rules.policy import Policy

from .columns import RowProblems, credit_division_column
from .tables import (
    IDENTITY_FIELDS,
    BoolArray,
    CaseIndex,
    Children,
    Problem,
    RegistryPart,
    date_column,
    default_when,
    integer_column,
    level_name_column,
    level_values,
    money,
    pair_keys,
    text_column,
    typed,
    validate_codes,
)


def _col(table: pa.Table | None, name: str) -> Any:
    if table is None or name not in table.column_names:
        return None
    return table.column(name)


def _report(problems: RowProblems, table: str, source: str, out: list[Problem]) -> None:
    out.extend(Problem(table, r + 1, f, rule, msg, source) for r, f, rule, msg in problems.found)


def _children(
    name: str,
    table: pa.Table | None,
    index: CaseIndex,
    parse: Any,
    bad_case: BoolArray,
    out: list[Problem],
    source: str,
) -> Children:
    """Parse a child table with `parse(table, m, problems) -> cols`, attach its rows to cases;
    a bad child row makes every case it belongs to bad."""
    if table is None or table.num_rows == 0:
        return Children(np.zeros(0, np.int64), np.zeros(0, np.int64), {})
    m = table.num_rows
    problems = RowProblems(m)
    cols = parse(table, m, problems)
    child, case, orphan = index.expand(name)
    problems.mark(orphan, "credit_code", "orphan", "credit_code 不在 enterprises 表中")
    bad_child = problems.bad & ~orphan
    bad_case[case[bad_child[child]]] = True
    _report(problems, name, source, out)
    return Children(case, child, {k: (v[child], kn[child]) for k, (v, kn) in cols.items()})


def load_part(
    policy: Policy,
    tables: dict[str, pa.Table | None],
    *,
    as_of: dt.date | None = None,
    fiscal_year: int | None = None,
    sources: dict[str, str] | None = None,
) -> RegistryPart:
    """One co-partition of the registry -> RegistryPart (exact columns, bad cases marked)."""
    src = sources or {}
    ent = tables["enterprises"]
    assert ent is not None
    n = ent.num_rows
    out: list[Problem] = []
    probs = RowProblems(n)
    codes = validate_codes(ent.column("credit_code"), probs)
    facts: dict[str, Any] = {}
    for name, kind in policy.enterprise_fields.items():
        if name not in IDENTITY_FIELDS:
            facts[name] = typed(kind, _col(ent, name), n, name, probs)
    as_of_col = date_column(_col(ent, "as_of"), n, "as_of", probs)
    fy_col = integer_column(_col(ent, "fiscal_year"), n, "fiscal_year", probs)
    days, fy, known = default_when(as_of_col, fy_col, policy, as_of, fiscal_year)
    probs.mark(~known, "as_of", "required", "缺少申报日 as_of（表中 as_of 列或 --as-of 选项）")
    probs.mark((fy < 1990) | (fy > 2100), "fiscal_year", "range", "会计年度应在 1990–2100 之间")
    index = CaseIndex(
        codes,
        {
            name: t.column("credit_code").combine_chunks().cast(pa.string())
            for name, t in tables.items()
            if name != "enterprises" and t is not None and t.num_rows
        },
    )
    # one case per (credit_code, fiscal_year): a second row would be the same claim twice
    dup = index.duplicates(fy)
    probs.mark(dup, "credit_code", "unique", "同一企业同一会计年度出现多行")
    bad = probs.bad.copy()
    _report(probs, "enterprises", src.get("enterprises", "enterprises"), out)
    # the registration division of the credit code: where a firm is, if no district is given
    facts["credit_division"] = credit_division_column(ent.column("credit_code"))
    facts["as_of"] = (days, np.ones(n, dtype=np.bool_))
    facts["fiscal_year"] = (fy, np.ones(n, dtype=np.bool_))

    # annual figures: revenue/rd of fiscal_year, revenue of fiscal_year - 1
    def parse_annual(t: pa.Table, m: int, p: RowProblems) -> dict[str, Any]:
        cols = {"year": integer_column(_col(t, "year"), m, "year", p)}
        p.mark(~cols["year"][1], "year", "required", "annual 表需要四位年份 year")
        for name, kind in policy.annual_fields.items():
            cols[name] = typed(kind, _col(t, name), m, name, p)
        return cols

    annual = _children(
        "annual", tables.get("annual"), index, parse_annual, bad, out, src.get("annual", "annual")
    )
    for name in policy.annual_fields:
        facts[name] = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_))
    facts["revenue_previous_year"] = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_))
    if len(annual.case):
        year = annual.cols["year"][0]
        for offset, targets in ((0, list(policy.annual_fields)), (1, ["revenue"])):
            hit = year == fy[annual.case] - offset
            cases = annual.case[hit]
            twice = np.bincount(cases, minlength=n) > 1
            if twice.any():
                bad |= twice
                for c in np.flatnonzero(twice)[:1000]:
                    out.append(
                        Problem("annual", 0, "year", "unique", f"{codes[c]} 同一年度出现多行")
                    )
            for name in targets:
                v, kn = annual.cols[name]
                dest = "revenue_previous_year" if offset else name
                values, known_mask = facts[dest]
                values[cases] = np.where(kn[hit], v[hit], 0)
                known_mask[cases] = kn[hit]

    def parse_recognitions(t: pa.Table, m: int, p: RowProblems) -> dict[str, Any]:
        kind, _ = text_column(_col(t, "kind"), m)
        ok = np.isin(kind, np.array(list(policy.recognition_kinds), dtype=object))
        p.mark(
            ~ok,
            "kind",
            "recognition_kind",
            f"未知认定类别；可用：{', '.join(policy.recognition_kinds)}",
        )
        raw_level = text_column(_col(t, "level"), m, empty_is_null=True)
        level = level_values(policy, kind, raw_level, p)
        return {
            "kind": (kind, ok),
            "level": level,
            "level_name": level_name_column(policy, kind, *level),
            "project": text_column(_col(t, "project"), m, empty_is_null=True),
            "date": date_column(_col(t, "date"), m, "date", p),
        }

    def parse_projects(t: pa.Table, m: int, p: RowProblems) -> dict[str, Any]:
        kind, _ = text_column(_col(t, "kind"), m)
        ok = np.isin(kind, np.array(list(policy.project_kinds), dtype=object))
        p.mark(
            ~ok, "kind", "project_kind", f"未知项目类别；可用：{', '.join(policy.project_kinds)}"
        )
        pid = text_column(_col(t, "id"), m, empty_is_null=True)
        p.mark(~pid[1], "id", "required", "项目需要非空的 id")
        cols = {"kind": (kind, ok), "id": pid}
        for fk in policy.project_kinds.values():
            for name, ftype in fk.fields.items():
                if name not in cols:
                    cols[name] = typed(ftype, _col(t, name), m, name, p)
        return cols

    def parse_awards(t: pa.Table, m: int, p: RowProblems) -> dict[str, Any]:
        measure, _ = text_column(_col(t, "measure"), m)
        ok = np.isin(measure, np.array(list(policy.measures), dtype=object))
        p.mark(~ok, "measure", "unknown_measure", "未知措施编号")
        amount = money(_col(t, "amount"), m, "amount", p)
        p.mark(~amount[1], "amount", "number", "amount 应为金额（元）")
        return {
            "measure": (measure, ok),
            "amount": amount,
            "project": text_column(_col(t, "project"), m, empty_is_null=True),
            "fiscal_year": integer_column(_col(t, "fiscal_year"), m, "fiscal_year", p),
        }

    def parse_others(t: pa.Table, m: int, p: RowProblems) -> dict[str, Any]:
        cols = parse_awards(t, m, p)
        del cols["fiscal_year"]
        cols["policy"] = text_column(_col(t, "policy"), m, empty_is_null=True)
        p.mark(~cols["policy"][1], "policy", "required", "需要填写其他政策名称")
        status, given = text_column(_col(t, "status"), m, empty_is_null=True)
        pending = given & (status == "pending")
        p.mark(
            given & ~pending & (status != "paid"),
            "status",
            "award_status",
            "应为 paid（已拨付）或 pending（待拨付）",
        )
        cols["paid"] = (~pending, np.ones(m, dtype=np.bool_))  # no status: paid
        return cols

    recognitions = _children(
        "recognitions", tables.get("recognitions"), index, parse_recognitions, bad, out,
        src.get("recognitions", "recognitions"),
    )  # fmt: skip
    projects = _children(
        "projects", tables.get("projects"), index, parse_projects, bad, out,
        src.get("projects", "projects"),
    )  # fmt: skip
    if len(projects.case):
        # project ids are unique within a case, as in the case parser
        pid = projects.cols["id"][0]
        key = pair_keys([projects.case], [pid])[0]
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), dtype=np.bool_)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        bad[projects.case[dup]] = True
        out.extend(
            Problem("projects", int(r) + 1, "id", "unique", f"项目 id {pid[i]!r} 重复")
            for i, r in list(zip(np.flatnonzero(dup), projects.row[dup], strict=True))[:1000]
        )
    awards = _children(
        "awards", tables.get("awards"), index, parse_awards, bad, out, src.get("awards", "awards")
    )
    others = _children(
        "other_awards", tables.get("other_awards"), index, parse_others, bad, out,
        src.get("other_awards", "other_awards"),
    )  # fmt: skip
    district, _ = text_column(_col(ent, "district"), n)
    return RegistryPart(n, codes, facts, district, bad, recognitions, projects, awards, others, out)
