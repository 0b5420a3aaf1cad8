"""Full-policy bulk screening: registry tables -> the Frames `rules/rows.py` builds -> the
same `evaluate_measure`, for every measure (enterprise-, recognition- and project-level).

`load_part` reads one co-partition of the six tables into exact columns (`tables.py`);
`measure_rows` builds, for one measure, the very columns `rows.measure_frame` builds for each
case, stacked: enterprise facts, annual figures of fiscal_year and fiscal_year-1, the best
recognition per project, prior awards per the measure's rule and 就高不重复 bookkeeping —
all with numpy/pyarrow sorts and group-bys.

One deliberate difference: where a case has no fact at all for a measure, `rows.py` adds a
placeholder row whose facts are unknown, so the explanation can name the missing fact. Such
a row is ineligible by construction (every formula requires its source facts), so the bulk
path leaves it out; tests/screening/test_registry.py checks that equivalence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.rules.evaluator import (
    OTHER_BEST,
    OTHER_POLICY,
    PRIOR_COUNT,
    PRIOR_PAID,
    PROJECT,
    evaluate_measure,
)
from huiqi.rules.frame import Frame, days_to_date
from huiqi.rules.policy import MeasureSpec, Policy

from .columns import RowProblems
from .tables import (
    IDENTITY_FIELDS,
    NO_DATE,
    BoolArray,
    CaseIndex,
    Children,
    IntArray,
    ObjArray,
    Problem,
    RegistryPart,
    date_column,
    default_when,
    integer_column,
    level_name_column,
    level_values,
    money,
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
        key = _pair_keys([projects.case], [pid])[0]
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


# -- keys and group-bys ---------------------------------------------------------------------


def _pair_keys(cases: list[IntArray], projects: list[ObjArray | None]) -> list[IntArray]:
    """(case, project) pairs of several arrays -> int64 keys in one space (None = 0)."""
    sizes = [len(c) for c in cases]
    objs = [
        p if p is not None else np.full(s, None, object)
        for p, s in zip(projects, sizes, strict=True)
    ]
    allp = pa.array(np.concatenate(objs) if objs else [], type=pa.string())
    enc = pc.dictionary_encode(allp)
    code = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    width = len(enc.dictionary) + 1
    keys, start = [], 0
    for c, s in zip(cases, sizes, strict=True):
        keys.append(c * width + code[start : start + s])
        start += s
    return keys


def _lookup(uniq: IntArray, keys: IntArray) -> tuple[IntArray, BoolArray]:
    pos = np.searchsorted(uniq, keys)
    pos = np.minimum(pos, max(len(uniq) - 1, 0))
    found = (uniq[pos] == keys) if len(uniq) else np.zeros(len(keys), dtype=np.bool_)
    return pos, found


def _first_per_key(key: IntArray, *sort_keys: IntArray) -> IntArray:
    """Index of the first row of each key group, after ordering by sort_keys (last = major)."""
    order = np.lexsort((*sort_keys, key))
    ks = key[order]
    first = np.ones(len(ks), dtype=np.bool_)
    first[1:] = ks[1:] != ks[:-1]
    return order[first]


@dataclass
class MeasureRows:
    """The stacked Frame of one measure, and which case / project each row belongs to."""

    frame: Frame
    case: IntArray
    project: ObjArray


def base_frame(part: RegistryPart, case: IntArray) -> Frame:
    frame = Frame(len(case))
    whole = len(case) == part.n
    for name, (v, kn) in part.facts.items():
        frame.put(name, v if whole else v[case], kn if whole else kn[case])
    return frame


def window_per_row(policy: Policy, as_of_days: IntArray) -> tuple[IntArray, IntArray]:
    """The validity window at each row's as_of (a reform may move window.end)."""
    start = np.zeros(len(as_of_days), dtype=np.int64)
    end = np.zeros(len(as_of_days), dtype=np.int64)
    for d in np.unique(as_of_days):
        when = days_to_date(int(d))
        hit = as_of_days == d
        start[hit] = (policy.parameter_at("window.start", when) - dt.date(1970, 1, 1)).days
        end[hit] = (policy.parameter_at("window.end", when) - dt.date(1970, 1, 1)).days
    return start, end


def measure_rows(policy: Policy, spec: MeasureSpec, part: RegistryPart) -> MeasureRows:
    good = ~part.bad
    src = spec.source
    if src.type == "enterprise":
        case = np.flatnonzero(good)
        frame = base_frame(part, case)
        project, project_known = np.full(len(case), None, dtype=object), np.zeros(len(case), bool)
    elif src.type == "recognition":
        rc = part.recognitions
        sub = (
            rc.take(np.isin(rc.cols["kind"][0], src.kinds) & good[rc.case]) if len(rc.case) else rc
        )
        if len(sub.case):
            date, date_known = sub.cols["date"]
            start, end = window_per_row(policy, part.as_of[sub.case])
            in_window = (date_known & (date >= start) & (date <= end)).astype(np.int64)
            kind = sub.cols["kind"][0]
            if src.rank_by_level:
                tier = np.where(sub.cols["level"][1], sub.cols["level"][0], 0)
            else:
                tier = np.zeros(len(kind), dtype=np.int64)
                for k, r in src.rank.items():
                    tier[kind == k] = r
            key = _pair_keys([sub.case], [sub.cols["project"][0]])[0]
            datekey = np.where(date_known, date, NO_DATE)
            # prefer in-window, then the highest tier, then the latest date; ties: list order
            best = _first_per_key(key, sub.row, -datekey, -tier, -in_window)
            sub = Children(
                sub.case[best],
                sub.row[best],
                {k: (v[best], kn[best]) for k, (v, kn) in sub.cols.items()},
            )
        case = sub.case
        frame = base_frame(part, case)
        if len(case):
            frame.put("recognition_kind", *sub.cols["kind"])
            frame.put("recognition_level", *sub.cols["level"])
            frame.put("recognition_level_name", *sub.cols["level_name"])
            frame.put("recognition_date", *sub.cols["date"])
            project, project_known = sub.cols["project"]
        else:
            project, project_known = np.full(0, None, dtype=object), np.zeros(0, bool)
    else:
        (project_kind,) = src.kinds
        pr = part.projects
        sub = pr.take((pr.cols["kind"][0] == project_kind) & good[pr.case]) if len(pr.case) else pr
        case = sub.case
        frame = base_frame(part, case)
        for name in policy.project_kinds[project_kind].fields:
            if len(case):
                frame.put(name, *sub.cols[name])
        if len(case):
            project, project_known = sub.cols["id"]
        else:
            project, project_known = np.full(0, None, dtype=object), np.zeros(0, bool)
    _bookkeeping(spec, part, frame, case, project)
    frame.put(PROJECT, project, project_known)
    return MeasureRows(frame, case, project)


def _bookkeeping(
    spec: MeasureSpec, part: RegistryPart, frame: Frame, case: IntArray, project: ObjArray
) -> None:
    """prior_paid / prior_count (the measure's prior rule) and the best other-policy award."""
    n = len(case)
    paid = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    aw = part.awards
    if spec.prior != "none" and len(aw.case) and n:
        sel = (aw.cols["measure"][0] == spec.id) & ~part.bad[aw.case]
        if spec.prior == "once_per_fiscal_year":
            fy, fy_known = aw.cols["fiscal_year"]
            sel &= fy_known & (fy == part.fiscal_year[aw.case])
        a_case, a_proj = aw.case[sel], aw.cols["project"][0][sel]
        if spec.prior == "deduct_same_project":
            rows_key, a_key = _pair_keys([case, a_case], [project, a_proj])
        else:
            rows_key, a_key = case, a_case
        uniq, inv = np.unique(a_key, return_inverse=True)
        sums = np.zeros(len(uniq), dtype=np.int64)
        np.add.at(sums, inv, aw.cols["amount"][0][sel])
        counts = np.bincount(inv, minlength=len(uniq)).astype(np.int64)
        pos, found = _lookup(uniq, rows_key)
        paid = np.where(found, sums[pos] if len(uniq) else 0, 0)
        count = np.where(found, counts[pos] if len(uniq) else 0, 0)
    best = np.zeros(n, dtype=np.int64)
    best_known = np.zeros(n, dtype=np.bool_)
    name = np.full(n, None, dtype=object)
    ot = part.others
    if len(ot.case) and n:
        sel = (ot.cols["measure"][0] == spec.id) & ~part.bad[ot.case]
        amount = ot.cols["amount"][0][sel]
        rows_key, o_key = _pair_keys([case, ot.case[sel]], [project, ot.cols["project"][0][sel]])
        top = _first_per_key(o_key, ot.row[sel], -amount)  # max amount, first listed on ties
        uniq = o_key[top]
        pos, found = _lookup(uniq, rows_key)
        if len(uniq):
            best = np.where(found, amount[top][pos], 0)
            best_known = found
            name = np.where(found, ot.cols["policy"][0][sel][top][pos], None)
    ones = np.ones(n, dtype=np.bool_)
    frame.put(PRIOR_PAID, paid.astype(np.int64), ones)
    frame.put(PRIOR_COUNT, count.astype(np.int64), ones)
    frame.put(OTHER_BEST, best.astype(np.int64), best_known)
    frame.put(OTHER_POLICY, name, best_known)


def take_frame(frame: Frame, idx: IntArray) -> Frame:
    out = Frame(len(idx))
    for name, v in frame.values.items():
        mask = frame.known_masks.get(name)
        out.put(name, v[idx], None if mask is None else mask[idx])
    return out


@dataclass
class MeasureResult:
    measure: str
    case: IntArray
    project: ObjArray
    status: IntArray
    amount: IntArray  # fen
    rows: MeasureRows | None = None  # the frame evaluated (for reuse under a reform)
    spec: MeasureSpec | None = None
    formula: Any = None
    # (claim date, parameter, value) of every parameter the evaluation read
    params: tuple[tuple[dt.date, str, Any], ...] = ()

    def holds_under(self, policy: Policy, spec: MeasureSpec, rows: MeasureRows) -> bool:
        """True when evaluating `spec` over `rows` under `policy` must give this result
        again: same frame, same measure and formula, and every parameter this evaluation
        read has the same value under `policy` on the same claim date. The evaluation is a
        pure function of exactly those inputs, so reusing it is exact, not an estimate."""
        return (
            rows is self.rows
            and spec == self.spec
            and policy.formulas.get(spec.id) is self.formula
            and all(policy.parameter_at(name, when) == value for when, name, value in self.params)
        )


def evaluate_rows(
    policy: Policy, spec: MeasureSpec, rows: MeasureRows, part: RegistryPart
) -> MeasureResult:
    """The engine's evaluate_measure, once per distinct as_of (parameters are dated)."""
    n = rows.frame.n
    status = np.zeros(n, dtype=np.int64)
    amount = np.zeros(n, dtype=np.int64)
    params: list[tuple[dt.date, str, Any]] = []
    if n and len(part.as_of_values) == 1:
        when = days_to_date(int(part.as_of_values[0]))
        ev = evaluate_measure(policy, spec, rows.frame, when)
        status, amount = ev.status, ev.amount
        params += [(when, u.name, u.value) for u in ev.params_used]
    elif n:
        days = part.as_of[rows.case]
        for d in np.unique(days):
            idx = np.flatnonzero(days == d)
            when = days_to_date(int(d))
            ev = evaluate_measure(policy, spec, take_frame(rows.frame, idx), when)
            status[idx], amount[idx] = ev.status, ev.amount
            params += [(when, u.name, u.value) for u in ev.params_used]
    return MeasureResult(
        spec.id, rows.case, rows.project, status, amount, rows, spec,
        policy.formulas[spec.id], tuple(params),
    )  # fmt: skip


class RowsCache:
    """Frames depend on the policy only through the validity window (which recognition
    counts): a reform that keeps the window reuses the baseline's frames."""

    def __init__(self, part: RegistryPart) -> None:
        self.part = part
        self._cache: dict[tuple[Any, ...], MeasureRows] = {}

    def get(self, policy: Policy, spec: MeasureSpec) -> MeasureRows:
        key: tuple[Any, ...] = (spec.id,)
        if spec.source.type == "recognition":
            days = self.part.as_of_values
            key += tuple(
                (policy.parameter_at("window.start", days_to_date(int(d))),
                 policy.parameter_at("window.end", days_to_date(int(d))))
                for d in days
            )  # fmt: skip
        if key not in self._cache:
            self._cache[key] = measure_rows(policy, spec, self.part)
        return self._cache[key]


def evaluate_part(
    policy: Policy,
    part: RegistryPart,
    cache: RowsCache | None = None,
    reuse: list[MeasureResult] | None = None,
) -> list[MeasureResult]:
    """Every measure of `policy` over the part. `reuse`: results of another policy (the
    baseline) over the same cache; a measure whose inputs a reform leaves unchanged is not
    evaluated again (see MeasureResult.holds_under)."""
    cache = cache or RowsCache(part)
    earlier = {r.measure: r for r in reuse or []}
    out = []
    for spec in policy.measures.values():
        rows = cache.get(policy, spec)
        prior = earlier.get(spec.id)
        if prior is not None and prior.holds_under(policy, spec, rows):
            out.append(prior)
        else:
            out.append(evaluate_rows(policy, spec, rows, part))
    return out
