"""A case's result for a person, in Chinese: what it gets, why, and how far from the rest."""

from __future__ import annotations

from typing import Any

from .money import format_wan, format_yuan
from .result import CaseEvaluation, case_result

_MARK = {"eligible": "✔", "discretionary": "◎", "excluded": "⊘", "ineligible": "✘"}
_STATUS = {
    "eligible": "符合",
    "discretionary": "符合条件，金额待评审核定",
    "excluded": "就高不重复，由其他政策办理",
    "ineligible": "不符合",
}


def _only_missing(row: dict[str, Any]) -> bool:
    """Ineligible only because the case says nothing about the measure's subject."""
    unknown = [c for c in row["conditions"] if not c["known"]]
    return (
        row["status"] == "ineligible"
        and bool(unknown)
        and all(
            c["passed"]
            or not c["known"]
            or c["key"] in ("as_of", "fiscal_year", "credit", "software_enterprise")
            for c in row["conditions"]
        )
        and row["project"] is None
    )


def explain_text(ce: CaseEvaluation) -> str:
    res = case_result(ce)
    p = ce.policy
    name = ce.enterprise.get("name") or "（未填写企业名称）"
    code = ce.enterprise.get("credit_code")
    lines = [
        f"《{p.title}》（{p.document_number}）政策测算",
        f"政策有效期：{p.window_start.isoformat()} 至 {p.window_end.isoformat()}",
        f"企业：{name}" + (f"（统一社会信用代码 {code}）" if code else ""),
        f"申报日：{res['as_of']}    财务数据年度：{res['fiscal_year']}",
        "",
    ]
    total = ce.total_fen
    lines.append(f"确定可享金额合计：{format_yuan(total)}（{format_wan(total)}）")
    n_disc = sum(1 for r in res["results"] if r["status"] == "discretionary")
    if n_disc:
        lines.append(f"另有 {n_disc} 项符合条件、金额由主管部门评审核定（见下）。")
    lines.append("")

    order = ("eligible", "discretionary", "excluded", "ineligible")
    missing: list[dict[str, Any]] = []
    for status in order:
        for r in res["results"]:
            if r["status"] != status:
                continue
            if _only_missing(r):
                missing.append(r)
                continue
            lines.extend(_measure_block(r))
    if missing:
        lines.append("以下措施未提供相关事实，无法判断（补充后可测算）：")
        for r in missing:
            lines.append(f"  ✘ {r['measure']} {r['title']}（{r['clause']}）— 需要 {r['requires']}")
    return "\n".join(lines).rstrip() + "\n"


def _measure_block(r: dict[str, Any]) -> list[str]:
    project = f"［项目 {r['project']}］" if r["project"] else ""
    head = f"{_MARK[r['status']]} {r['measure']} {r['title']}{project} —— {_STATUS[r['status']]}"
    if r["status"] == "eligible":
        head += f"：{format_yuan(_fen(r['amount']))}"
    out = [
        head,
        f"   依据：{r['clause']}“{r['clause_words']}”（责任单位：{'、'.join(r['units'])}）",
    ]
    for reason in r["reasons"]:
        out.append(f"   · {reason}")
    for gap in r["gaps"]:
        out.append(f"   → 差距：{gap}")
    out.append("")
    return out


def _fen(amount: str) -> int:
    whole, _, frac = amount.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(frac or 0))
