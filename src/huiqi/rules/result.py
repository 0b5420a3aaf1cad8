"""The result contract of `huiqi evaluate` (and POST /api/v1/evaluate), row by row.

{"results": [{"measure", "project", "status", "amount", "cap", "clause", "reasons", ...}],
 "total"}: amounts are two-place decimal strings in yuan; total sums the eligible amounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .conditions import format_rate
from .evaluator import DISCRETIONARY, ELIGIBLE, EXCLUDED, STATUS_NAMES, MeasureEvaluation
from .money import fen_to_str, format_yuan
from .parameters import ParameterUse
from .policy import Policy


@dataclass
class CaseEvaluation:
    policy: Policy
    as_of: dt.date
    fiscal_year: int
    enterprise: dict[str, Any]
    evaluations: list[MeasureEvaluation]
    # this case's rows in each evaluation, when it shares the frames of a batch of cases
    spans: list[tuple[int, int]] | None = None
    # readings switched from the policy's defaults for this case, name -> value
    readings: dict[str, Any] = field(default_factory=dict)

    def _spans(self) -> list[tuple[int, int]]:
        return self.spans if self.spans is not None else [(0, ev.n) for ev in self.evaluations]

    @property
    def total_fen(self) -> int:
        return sum(
            int(ev.amount[a:b].sum())
            for ev, (a, b) in zip(self.evaluations, self._spans(), strict=True)
        )

    def rows(self) -> list[tuple[MeasureEvaluation, int]]:
        return [
            (ev, i)
            for ev, (a, b) in zip(self.evaluations, self._spans(), strict=True)
            for i in range(a, b)
        ]


def _param_value(value: Any, unit: str) -> Any:
    if unit == "CNY":
        return fen_to_str(int(value))
    if isinstance(value, Fraction):
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


# id(use) -> (use, its JSON). Keyed by identity, since a policy's parameter cache hands out the
# same ParameterUse objects to every request, and hashing one (its Fraction value, its dates)
# costs more than building the JSON; holding `use` keeps its id from being reused.
_PARAMETER_JSON: dict[int, tuple[ParameterUse, dict[str, Any]]] = {}


def parameter_json(u: ParameterUse) -> dict[str, Any]:
    """A parameter as cited in a result. Cached: the same few dozen serve every request."""
    hit = _PARAMETER_JSON.get(id(u))
    if hit is not None and hit[0] is u:
        return hit[1]
    if len(_PARAMETER_JSON) > 65_536:  # reforms make new uses; keep the cache bounded
        _PARAMETER_JSON.clear()
    json = _parameter_json(u)
    _PARAMETER_JSON[id(u)] = (u, json)
    return json


# The uses one measure cites -> their JSON list: a measure reads the same parameters for every
# case at one date, so a single case's answer takes its citation lists from here instead of a
# dozen parameter_json calls per measure. Keyed by the uses' ids; the tuple kept beside the
# list is compared (identity first, C-level) so a reused id can never hand out another list.
_PARAMETERS_JSON: dict[tuple[int, ...], tuple[tuple[ParameterUse, ...], list[dict[str, Any]]]] = {}


def parameters_json(uses: list[ParameterUse]) -> list[dict[str, Any]]:
    """The citations of one evaluation, as a new list of the cached dicts."""
    held = tuple(uses)
    key = tuple(map(id, held))
    hit = _PARAMETERS_JSON.get(key)
    if hit is None or hit[0] != held:
        if len(_PARAMETERS_JSON) > 4096:
            _PARAMETERS_JSON.clear()
        hit = _PARAMETERS_JSON[key] = (held, [parameter_json(u) for u in held])
    return list(hit[1])


@lru_cache(maxsize=4096)
def _parameter_json(u: ParameterUse) -> dict[str, Any]:
    return {
        "name": u.name,
        "value": _param_value(u.value, u.unit),
        "unit": u.unit,
        "reference": u.reference,
        "since": u.since.isoformat(),
        **({"display": format_rate(u.value)} if u.unit == "rate" else {}),
    }


def _requires(ev: MeasureEvaluation) -> str:
    """The subject a case must mention for this measure, for "what to add" hints."""
    src = ev.spec.source
    if src.type == "recognition":
        return "recognitions[kind=" + "|".join(src.kinds) + "]"
    if src.type == "project":
        return "projects[kind=" + "|".join(src.kinds) + "]"
    return "enterprise, annual"


# Above this many rows an evaluation's columns are read element by element: converting a
# registry's columns to lists to explain one firm would cost more than it saves.
_LIST_ROWS = 4096


def _column(values: Any, n: int) -> Any:
    """A column as a Python list where it is small: indexing a list costs a tenth of indexing
    a numpy array, and a batch reads every column once per row."""
    return values.tolist() if n <= _LIST_ROWS else values


@dataclass
class _Static:
    """What the rows of one evaluation share, built once per evaluation (a batch of cases has
    many rows each): the measure's citations, and its columns ready to read row by row."""

    requires: str
    cap: str | None
    parameters: list[dict[str, Any]]
    # per condition: (condition, passed, known)
    conditions: list[tuple[Any, Any, Any]]
    status: Any
    amount: Any
    raw: Any
    capped: Any
    met: Any
    prior_paid: Any
    prior_blocks: Any
    zero_amount: Any
    other_known: Any
    other_best: Any
    other_paid: Any
    other_deducted: Any
    project: Any
    notes: tuple[Any, Any] | None  # (known, text) of recognition notes, where the frame has them


def _measure_static(ev: MeasureEvaluation) -> _Static:
    static: _Static | None = ev.__dict__.get("_static")
    if static is None:
        n = ev.n
        frame = ev.frame
        notes = None
        if frame.has("recognition_notes"):
            notes = (
                _column(frame.known("recognition_notes"), n),
                _column(frame.text("recognition_notes"), n),
            )
        arrays = (
            ev.status, ev.amount, ev.raw, ev.capped, ev.conditions_met, ev.prior_paid,
            ev.prior_blocks, ev.zero_amount, ev.other_known, ev.other_best, ev.other_paid,
            ev.other_deducted, frame.text("project"),
        )  # fmt: skip
        # one comprehension, not a call per column: a single case builds this for every measure
        columns = [a.tolist() for a in arrays] if n <= _LIST_ROWS else list(arrays)
        status, amount, raw, capped, met, prior_paid, prior_blocks, zero_amount = columns[:8]
        other_known, other_best, other_paid, other_deducted, project = columns[8:]
        static = _Static(
            requires=_requires(ev),
            cap=fen_to_str(ev.cap_fen) if ev.cap_fen is not None else None,
            parameters=parameters_json(ev.params_used),
            conditions=[
                (c, _column(c.passed, n), _column(c.known, n)) for c in ev.outcome.conditions
            ],
            status=status,
            amount=amount,
            raw=raw,
            capped=capped,
            met=met,
            prior_paid=prior_paid,
            prior_blocks=prior_blocks,
            zero_amount=zero_amount,
            other_known=other_known,
            other_best=other_best,
            other_paid=other_paid,
            other_deducted=other_deducted,
            project=project,
            notes=notes,
        )
        ev.__dict__["_static"] = static
    return static


def row_result(
    ev: MeasureEvaluation, i: int, *, shared_citations: bool = False, for_explanation: bool = False
) -> dict[str, Any]:
    """Row i of an evaluation as result JSON.

    shared_citations: the rows' "parameters" are the cached dicts themselves, not copies; for a
    result that is only serialised (the calculator), never edited.
    for_explanation: leave out the conditions' reasons, which the explanation tells its own way
    (explain.explain_row), and start each condition's "trivial" and "missing" keys."""
    spec = ev.spec
    st = _measure_static(ev)
    status = int(st.status[i])
    conds = []
    reasons: list[str] = []
    gaps: list[str] = []
    for cond, passed_col, known_col in st.conditions:
        passed, known = bool(passed_col[i]), bool(known_col[i])
        text = cond.explain(i)
        gap = cond.gap(i) if known else None
        conds.append(
            {
                "key": cond.key,
                "label": cond.label,
                "passed": passed,
                "known": known,
                "detail": text,
                "gap": gap,
            }
        )
        if not for_explanation:
            reasons.append(("符合：" if passed else "不符合：") + text)
        if gap:
            gaps.append(gap)

    calculation: dict[str, Any] = {}
    if ev.outcome.amount is not None and st.met[i]:
        raw, capped = int(st.raw[i]), int(st.capped[i])
        calculation = {"raw": fen_to_str(raw), "capped": fen_to_str(capped)}
        if ev.outcome.basis is not None:
            calculation["basis"] = ev.outcome.basis(i)
            reasons.append("计算：" + calculation["basis"])
        if ev.cap_fen is not None and raw > ev.cap_fen:
            reasons.append(f"超过上限，按最高 {format_yuan(ev.cap_fen)} 计")
    prior = int(st.prior_paid[i])
    if prior:
        calculation["prior_paid"] = fen_to_str(prior)
        if spec.prior == "once_per_fiscal_year":
            reasons.append(f"不符合：本会计年度已获本项支持 {format_yuan(prior)}，每年度限一次")
        elif st.prior_blocks[i] and ev.prior_rule is not None and int(st.capped[i]) > prior:
            reasons.append(
                f"不符合：已获本项一次性支持 {format_yuan(prior)}；一次性措施不再补发差额"
                f"（读法 {ev.prior_rule}=false）"
            )
        elif st.prior_blocks[i]:
            reasons.append(f"不符合：已获本项一次性支持 {format_yuan(prior)}，不再重复发放")
        else:
            reasons.append(f"已获本项支持 {format_yuan(prior)}，本次只补差额")
    if st.zero_amount[i]:
        reasons.append("不符合：按规定计算的金额为 0")

    supersedes = excluded_by = None
    if st.other_known[i]:
        other_best = int(st.other_best[i])
        other = {
            "policy": ev.frame.text("other_policy_name")[i],
            "amount": fen_to_str(other_best),
            "status": "paid" if st.other_paid[i] else "pending",
        }
        if status == EXCLUDED:
            excluded_by = other
            reasons.append(
                f"就高不重复：{other['policy']} 已给予 {format_yuan(other_best)}，"
                "不低于本政策金额，由该政策办理"
            )
        elif status == ELIGIBLE:
            supersedes = other
            other_fen = format_yuan(other_best)
            deducted = int(st.other_deducted[i])
            if deducted:
                reasons.append(
                    f"就高不重复：{other['policy']} 已拨付 {other_fen}，本政策金额更高，"
                    f"只补差额 {format_yuan(int(st.amount[i]))}，企业合计享受较高的一项"
                )
                calculation["jiugao_deducted"] = fen_to_str(deducted)
            elif not st.other_paid[i]:
                reasons.append(
                    f"就高不重复：本政策金额高于 {other['policy']} 待拨付的 {other_fen}，"
                    "按本政策全额办理；该项不应再拨付"
                )
            else:
                reasons.append(
                    f"就高不重复：本政策金额高于 {other['policy']} 的 {other_fen}，"
                    "按本政策办理并替代该项（该项已拨付的应退回）"
                )
        elif status == DISCRETIONARY:
            reasons.append(
                f"就高不重复：{other['policy']} 已给予 {format_yuan(other_best)}，"
                "核定金额时按就高不重复处理"
            )
    if status == DISCRETIONARY:
        cap_text = (
            f"，最高 {format_yuan(ev.cap_fen)}" if ev.cap_fen is not None else "，文本未设上限"
        )
        reasons.append(f"符合条件；金额由主管部门评审核定（择优/一事一议/按规定）{cap_text}")

    if st.notes is not None and st.notes[0][i]:
        reasons.append("认定情况：" + str(st.notes[1][i]))
    return {
        "requires": st.requires,
        "measure": spec.id,
        "title": spec.title,
        "project": st.project[i],
        "status": STATUS_NAMES[status],
        "amount": fen_to_str(int(st.amount[i])),
        "cap": st.cap,
        "kind": spec.kind,
        "one_time": spec.one_time,
        "clause": spec.clause_ref,
        "clause_id": spec.clause_id,
        "clause_words": spec.words,
        "units": list(spec.units),
        "reasons": reasons,
        "gaps": gaps,
        "conditions": conds,
        "calculation": calculation,
        "supersedes": supersedes,
        "excluded_by": excluded_by,
        # copies unless asked: a caller may edit its result without touching the shared cache
        "parameters": st.parameters if shared_citations else [dict(p) for p in st.parameters],
    }


def case_result(
    ce: CaseEvaluation, *, shared_citations: bool = False, for_explanation: bool = False
) -> dict[str, Any]:
    p = ce.policy
    rows = ce.rows()
    results = [
        row_result(ev, i, shared_citations=shared_citations, for_explanation=for_explanation)
        for ev, i in rows
    ]
    # the rows' amounts, read from the lists the rows were built from (ce.total_fen, cheaper)
    total = sum(int(_measure_static(ev).amount[i]) for ev, i in rows)
    return {
        "policy": {
            "id": p.id,
            "title": p.title,
            "document_number": p.document_number,
            "version": p.version,
            "window": [p.window_start.isoformat(), p.window_end.isoformat()],
        },
        "as_of": ce.as_of.isoformat(),
        "fiscal_year": ce.fiscal_year,
        "readings": {
            name: _param_value(value, p.parameters[name].unit)
            for name, value in ce.readings.items()
        },
        "results": results,
        "total": fen_to_str(total),
    }
