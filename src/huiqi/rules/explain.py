"""A case's result for a person, in Chinese: what it gets, how sure that is, why, what is missing.

The engine's result rows carry the conditions and figures. This module adds what a firm owner
needs to read them, and the same words go to `huiqi explain`, the JSON result and the pages:

- how certain each amount is: 确定可享 only where the text fixes the amount; 最高可享 where it
  caps it with 不超过; 预计可享 where it leaves the amount to review, with the reason in the
  text's own words (择优, 一事一议, 区级政策, 年度服务券目录 …);
- missing facts as questions ("如已获评…，请补充认定日期"), marked unknown, never ✘;
- gaps of conditions that share figures solved jointly (gaps.py), checked by re-evaluation;
- dates as 2022年6月1日; no conditions that only say a figure was given (¥0.00 ≥ ¥0.00).

The wording data (field titles, what to add, the reasons for review) is the policy package's
explain.yaml, not code.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .case import Case
from .evaluator import MeasureEvaluation
from .gaps import GapRequest, JointGap, joint_gaps
from .money import fen_to_str, format_wan, format_yuan
from .policy import ExplainData, MeasureSpec, Policy
from .result import CaseEvaluation, case_result

_MARK = {"eligible": "✔", "discretionary": "◎", "excluded": "⊘", "ineligible": "✘"}
UNKNOWN_MARK = "？"
CERTAIN, UP_TO, REVIEW = "certain", "up_to", "review"
BASIS_ZH = {CERTAIN: "确定可享", UP_TO: "最高可享", REVIEW: "预计可享"}
SUBJECT_KEYS = ("as_of", "fiscal_year", "credit", "software_enterprise")
REVIEW_NOTE = "以主管部门审核为准"
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# a condition that only says a figure was given: "软件设备投资额 ¥0.00 ≥ ¥0.00"
_TRIVIAL = re.compile(r"[≥>] ¥0\.00$")
_GENERIC_REVIEW = "符合条件；金额由主管部门评审核定"


def explain_data(policy: Policy) -> ExplainData:
    """How the policy's results are told to people (its package's explain.yaml)."""
    return policy.explain


# ---- words ---------------------------------------------------------------------------


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# sentence -> its words with dates: the sentences with a date (the validity window, a
# recognition's date) recur in every case of the same day, and the regex costs more than a lookup
_CN_DATES: dict[str, str] = {}


def cn_dates(text: str) -> str:
    """Every ISO date in a sentence as people write it: 2022-06-01 -> 2022年6月1日."""
    if "-" not in text:  # most sentences have no date: skip the regex
        return text
    done = _CN_DATES.get(text)
    if done is None:
        if len(_CN_DATES) > 4096:
            _CN_DATES.clear()
        done = _CN_DATES[text] = _ISO_DATE.sub(_cn_date_match, text)
    return done


def _cn_date_match(m: re.Match[str]) -> str:
    return f"{m[1]}年{int(m[2])}月{int(m[3])}日"


def is_trivial(cond: dict[str, Any]) -> bool:
    """A met condition that only says a figure was given (a lower bound of zero)."""
    detail = cond["detail"]
    return bool(
        cond["passed"] and cond["known"] and detail.endswith("¥0.00") and _TRIVIAL.search(detail)
    )


_FACT_TITLES: dict[tuple[int, str, int], str | None] = {}


def fact_title(data: ExplainData, fact: str, fiscal_year: int) -> str | None:
    """A condition's fact path (annual[fiscal_year].rd_expense) as a person names it."""
    key = (id(data), fact, fiscal_year)  # data objects live as long as their policy
    if key not in _FACT_TITLES:
        if len(_FACT_TITLES) > 4096:
            _FACT_TITLES.clear()
        _FACT_TITLES[key] = _fact_title(data, fact, fiscal_year)
    return _FACT_TITLES[key]


def _fact_title(data: ExplainData, fact: str, fiscal_year: int) -> str | None:
    if fact in ("as_of", "fiscal_year"):
        return data.title("case", fact)
    head, _, tail = fact.partition(".")
    names = [n for n in tail.split("/") if n]
    if head.startswith("annual["):
        year = fiscal_year - 1 if "fiscal_year-1" in head else fiscal_year
        titles = [data.title("annual", n) for n in names]
        prefix = f"{year}年度"
    elif head.startswith("projects"):
        titles, prefix = [data.title("projects", n) for n in names], ""
    elif head.startswith("recognitions"):
        titles, prefix = [data.title("recognitions", n) for n in names], ""
    elif head == "enterprise":
        titles, prefix = [data.title("enterprise", n) for n in names], ""
    else:
        return None
    if not titles or any(t is None for t in titles):
        return None
    return prefix + "和".join(t for t in titles if t)


def field_title(data: ExplainData, path: str) -> str:
    """A case field path (annual.2023.revenue, projects[0].total_investment) for a person."""
    parts = path.split(".")
    if parts[0] == "annual" and len(parts) == 3:
        return f"{parts[1]}年度{data.title('annual', parts[2]) or parts[2]}"
    if parts[0].startswith("projects"):
        return f"项目{data.title('projects', parts[-1]) or parts[-1]}"
    return data.title("enterprise", parts[-1]) or parts[-1]


def amount_basis(spec: MeasureSpec, data: ExplainData) -> str:
    if spec.kind == "discretionary":
        return REVIEW
    entry = data.amounts.get(spec.id)
    return UP_TO if entry and entry[0] == UP_TO else CERTAIN


def subject_missing_hint(policy: Policy, spec: MeasureSpec, data: ExplainData) -> str:
    """What to add when the case says nothing about the measure's subject."""
    if spec.id in data.missing:
        return data.missing[spec.id]
    src = spec.source
    if src.type == "recognition":
        titles = "或".join(policy.recognition_kinds[k].title for k in src.kinds)
        return f"如已获评{titles}，请补充认定日期"
    if src.type == "project":
        kind = policy.project_kinds[src.kinds[0]]
        fields = "、".join(data.title("projects", f) or f for f in kind.fields)
        return f"如有{kind.title}，请补充{fields}"
    return "请补充企业信息和年度财务数据"


# ---- the result, explained -----------------------------------------------------------


def _gap_lines(data: ExplainData, gap: JointGap) -> list[str]:
    lines = [
        f"{field_title(data, ch.field)}增加 {format_yuan(ch.added_fen)}，"
        f"达到 {format_yuan(ch.after_fen)}（{format_wan(ch.after_fen)}）"
        for ch in gap.changes
    ]
    if len(gap.changes) > 1:
        checked = "（已按调整后的数据重新测算，符合条件）" if gap.verified else ""
        lines.append(f"以上几项须同时做到{checked}")
    lines.extend(f"另须满足：{label}" for label in gap.other)
    return lines


def _gap_json(data: ExplainData, gap: JointGap) -> dict[str, Any]:
    return {
        "changes": [
            {
                "field": ch.field,
                "title": field_title(data, ch.field),
                "from": fen_to_str(ch.before_fen),
                "to": fen_to_str(ch.after_fen),
                "add": fen_to_str(ch.added_fen),
            }
            for ch in gap.changes
        ],
        "other": list(gap.other),
        "verified": gap.verified,
    }


def _headline(row: dict[str, Any], basis: str, cap_fen: int | None) -> str:
    status = row["status"]
    if status == "eligible":
        fen = _fen(row["amount"])
        text = f"{BASIS_ZH[basis]}：{format_yuan(fen)}（{format_wan(fen)}）"
        return text + (f"，{REVIEW_NOTE}" if basis != CERTAIN else "")
    if status == "discretionary":
        cap = f"，最高{format_wan(cap_fen)}" if cap_fen is not None else ""
        return f"预计可享：符合条件，金额由主管部门评审核定{cap}，{REVIEW_NOTE}"
    if status == "excluded":
        return "就高不重复，由其他政策办理"
    return "不符合"


def explain_row(
    row: dict[str, Any],
    evaluated: tuple[MeasureEvaluation, int],
    policy: Policy,
    data: ExplainData,
    fiscal_year: int,
    case: Case | None,
) -> GapRequest | None:
    """Add a row's explanation for people (in place): headline, reasons, missing, gaps.

    `row` is built by `row_result(..., for_explanation=True)`: its reasons are only those after
    the conditions', since the conditions' are told here. `evaluated` is the evaluation and row
    index the result row was built from. Returns the joint gap to solve for this row, if any
    (solved for many rows at once, then `add_joint`)."""
    conditions = evaluated[0].outcome.conditions
    spec = policy.measures[row["measure"]]
    # a computed measure's row left to review (its case lacks the figures) is told as review
    basis = REVIEW if row["status"] == "discretionary" else amount_basis(spec, data)
    cap_fen = _fen(row["cap"]) if row["cap"] is not None else None
    missing: list[str] = []
    reasons: list[str] = []
    # ineligible only because the case says nothing about the measure's subject: something is
    # unknown and nothing known fails but the subject's own facts (scope, credit …)
    any_unknown, others_hold = False, True
    for cond, condition in zip(row["conditions"], conditions, strict=True):
        detail = cond["detail"] = cn_dates(cond["detail"])
        passed, known = cond["passed"], cond["known"]
        if known and not passed and cond["key"] not in SUBJECT_KEYS:
            others_hold = False
        trivial = cond["trivial"] = (
            passed and known and detail.endswith("¥0.00") and bool(_TRIVIAL.search(detail))
        )
        if not known:
            any_unknown = True
            title = fact_title(data, condition.fact, fiscal_year)
            asked = cond["missing"] = f"请补充{title or cond['label']}"
            detail = cond["detail"] = f"待补充：{asked}（{cond['label']}）"
            if asked not in missing:
                missing.append(asked)
            reasons.append(detail)
        else:
            cond["missing"] = None
            if not trivial:
                reasons.append(("符合：" if passed else "不符合：") + detail)
    only_missing = (
        row["status"] == "ineligible" and any_unknown and others_hold and row["project"] is None
    )
    reason = data.discretionary.get(spec.id)
    for text in row["reasons"]:
        if text.startswith(_GENERIC_REVIEW) and reason is not None:
            cap = f"，最高{format_wan(cap_fen)}" if cap_fen is not None else "，文本未设上限"
            text = f"符合条件；金额由主管部门评审核定（{reason[0]}）{cap}"
        reasons.append(cn_dates(text))
    if only_missing and (spec.source.type != "enterprise" or spec.id in data.missing):
        # nothing about the subject (a recognition, a project): one question for the measure
        missing = [subject_missing_hint(policy, spec, data)]
    gaps = [cn_dates(g) for g in row["gaps"]]
    request = None
    if case is not None and row["status"] == "ineligible" and gaps and not only_missing:
        request = GapRequest(case, spec.id, row["project"], evaluated)
    row["reasons"] = reasons
    row["gaps"] = gaps
    row["amount_basis"] = basis
    row["headline"] = _headline(row, basis, cap_fen)
    row["joint_gap"] = None
    row["missing"] = missing
    row["only_missing"] = only_missing
    row["amount_words"] = data.amounts[spec.id][1] if basis == UP_TO else None
    row["discretionary_reason"] = (
        {"reason": reason[0], "words": reason[1]}
        if reason is not None and (spec.kind == "discretionary" or basis == REVIEW)
        else None
    )
    return request


def add_joint(row: dict[str, Any], data: ExplainData, solved: JointGap | None) -> None:
    """Replace a row's separate gaps by the joint change, where there is one."""
    if solved is not None and solved.changes:
        row["gaps"], row["joint_gap"] = _gap_lines(data, solved), _gap_json(data, solved)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The case's headline: what is certain, what is at most, what is left to review."""
    paid = [r for r in rows if r["status"] == "eligible"]
    certain = sum(_fen(r["amount"]) for r in paid if r["amount_basis"] == CERTAIN)
    up_to = sum(_fen(r["amount"]) for r in paid if r["amount_basis"] == UP_TO)
    up_to_ids = [r["measure"] for r in paid if r["amount_basis"] == UP_TO]
    review = [r["measure"] for r in rows if r["status"] == "discretionary"]
    lines = [f"确定可享：{format_yuan(certain)}（{format_wan(certain)}）"]
    if up_to:
        lines.append(
            f"最高可享：{format_yuan(up_to)}（{format_wan(up_to)}）——"
            f"{'、'.join(up_to_ids)} 的原文为“不超过”，{REVIEW_NOTE}"
        )
        lines.append(
            f"合计最高可享：{format_yuan(certain + up_to)}（{format_wan(certain + up_to)}）"
        )
    if review:
        lines.append(
            f"预计可享：另有 {len(review)} 项符合条件，金额由主管部门评审核定，{REVIEW_NOTE}"
        )
    return {
        "certain": fen_to_str(certain),
        "up_to": fen_to_str(up_to),
        "total_up_to": fen_to_str(certain + up_to),
        "up_to_measures": up_to_ids,
        "review_measures": review,
        "lines": lines,
    }


def explained_results(
    pairs: list[tuple[CaseEvaluation, Case | None]], *, shared_citations: bool = False
) -> list[dict[str, Any]]:
    """The result JSON of each case with its explanation for people added.

    shared_citations: rows cite the cached parameter dicts, not copies (a result only serialised).

    With the parsed case, gaps of shared figures are solved jointly (re-evaluating the changed
    case; the cases of a batch together, each as it would be alone); without it they stay as
    each condition tells them."""
    out = []
    todo: dict[int, tuple[Policy, list[tuple[dict[str, Any], GapRequest]]]] = {}
    for ce, case in pairs:
        res = case_result(ce, shared_citations=shared_citations, for_explanation=True)
        data = explain_data(ce.policy)
        for row, evaluated in zip(res["results"], ce.rows(), strict=True):
            request = explain_row(row, evaluated, ce.policy, data, res["fiscal_year"], case)
            if request is not None:
                todo.setdefault(id(ce.policy), (ce.policy, []))[1].append((row, request))
        res["summary"] = summary(res["results"])
        out.append(res)
    for policy, rows in todo.values():
        data = explain_data(policy)
        solved = joint_gaps(policy, [request for _, request in rows])
        for (row, _), gap in zip(rows, solved, strict=True):
            add_joint(row, data, gap)
    return out


def explained_result(ce: CaseEvaluation, case: Case | None = None) -> dict[str, Any]:
    return explained_results([(ce, case)])[0]


def explain_text(ce: CaseEvaluation, case: Case | None = None) -> str:
    res = explained_result(ce, case)
    p = ce.policy
    name = ce.enterprise.get("name") or "（未填写企业名称）"
    code = ce.enterprise.get("credit_code")
    lines = [
        f"《{p.title}》（{p.document_number}）政策测算",
        f"政策有效期：{cn_date(p.window_start)}至{cn_date(p.window_end)}",
        f"企业：{name}" + (f"（统一社会信用代码 {code}）" if code else ""),
        f"申报日：{cn_date(ce.as_of)}    财务数据年度：{res['fiscal_year']}年",
        "",
        *res["summary"]["lines"],
        "",
    ]
    missing: list[dict[str, Any]] = []
    for status in ("eligible", "discretionary", "excluded", "ineligible"):
        for r in res["results"]:
            if r["status"] != status:
                continue
            if r["only_missing"]:
                missing.append(r)
                continue
            lines.extend(_measure_block(r))
    if missing:
        lines.append("以下措施缺少相关事实，暂无法判断（补充后可测算）：")
        for r in missing:
            hint = "；".join(r["missing"])
            lines.append(f"  {UNKNOWN_MARK} {r['measure']} {r['title']}（{r['clause']}）：{hint}")
    return "\n".join(lines).rstrip() + "\n"


def _measure_block(r: dict[str, Any]) -> list[str]:
    project = f"［项目 {r['project']}］" if r["project"] else ""
    failed = any(c["known"] and not c["passed"] for c in r["conditions"])
    unknown = r["status"] == "ineligible" and r["missing"] and not failed
    mark = UNKNOWN_MARK if unknown else _MARK[r["status"]]
    out = [
        f"{mark} {r['measure']} {r['title']}{project} —— {r['headline']}",
        f"   依据：{r['clause']}“{r['clause_words']}”（责任单位：{'、'.join(r['units'])}）",
    ]
    if r["amount_words"] and r["status"] == "eligible":
        out.append(f"   金额：原文“{r['amount_words']}”，{REVIEW_NOTE}")
    if r["discretionary_reason"]:
        why = r["discretionary_reason"]
        out.append(f"   为何待评审：{why['reason']}——原文“{why['words']}”")
    for reason in r["reasons"]:
        out.append(f"   · {reason}")
    for hint in r["missing"]:
        out.append(f"   {UNKNOWN_MARK} {hint}")
    for gap in r["gaps"]:
        out.append(f"   → 差距：{gap}")
    out.append("")
    return out


def _fen(amount: str) -> int:
    whole, _, frac = amount.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(frac or 0))
