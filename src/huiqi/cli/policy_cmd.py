"""`huiqi policy`: read a policy package — clauses, measures, tasks, parameters."""

from __future__ import annotations

import json

import click

from huiqi.policies import available_policies, load_policy
from huiqi.rules.money import format_wan


@click.group()
def policy() -> None:
    """查看政策包：条款原文、资金措施、非资金任务与参数。"""


@policy.command("list")
def list_policies() -> None:
    """列出已安装的政策包。"""
    for pid in sorted(available_policies()):
        p = load_policy(pid)
        click.echo(
            f"{pid}\t{p.document_number}\t{p.title}\t有效期 {p.window_start} 至 {p.window_end}"
        )


@policy.command()
@click.option("--policy", "policy_id", default="wuhan-digital-economy-2022", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def measures(policy_id: str, as_json: bool) -> None:
    """资金措施：编号、名称、条款、类型、上限、责任单位。"""
    p = load_policy(policy_id)
    rows = []
    for m in p.measures.values():
        cap = p.cap_fen(m.id, p.window_start)
        rows.append(
            {
                "id": m.id,
                "title": m.title,
                "clause": m.clause_ref,
                "kind": m.kind,
                "cap": format_wan(cap) if cap is not None else None,
                "one_time": m.one_time,
                "units": list(m.units),
                "words": m.words,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        kind = "计算" if r["kind"] == "computed" else "评审核定"
        cap = f"最高{r['cap']}" if r["cap"] else ""
        click.echo(
            f"{r['id']:6} {r['clause']:6} [{kind}] {r['title']} {cap}  "
            f"责任单位：{'、'.join(r['units'])}"
        )


@policy.command()
@click.option("--policy", "policy_id", default="wuhan-digital-economy-2022", show_default=True)
def tasks(policy_id: str) -> None:
    """非资金任务及其责任单位（第一个为牵头单位）。"""
    p = load_policy(policy_id)
    for t in p.tasks:
        click.echo(f"{t.id:7} {t.title}  牵头：{t.units[0]}  配合：{'、'.join(t.units[1:]) or '—'}")


@policy.command()
@click.argument("clause_id", required=False)
@click.option("--policy", "policy_id", default="wuhan-digital-economy-2022", show_default=True)
def clauses(clause_id: str | None, policy_id: str) -> None:
    """条款原文及其措施、任务；给出编号（如 2.6）只看一条。"""
    p = load_policy(policy_id)
    for c in p.clauses:
        if clause_id and c.id != clause_id:
            continue
        click.echo(f"{c.ref} {c.title}")
        click.echo(f"  {c.text}")
        click.echo(
            f"  措施：{', '.join(c.measure_ids) or '—'}  任务：{', '.join(c.task_ids) or '—'}"
            + (f"  规则参数：{', '.join(c.rule_params)}" if c.rule_params else "")
        )
        click.echo("")


@policy.command()
@click.option("--policy", "policy_id", default="wuhan-digital-economy-2022", show_default=True)
def parameters(policy_id: str) -> None:
    """全部参数：值、单位、生效日期与法律依据；* 表示对含糊文字的解释。"""
    p = load_policy(policy_id)
    for prm in p.parameters.values():
        for start, value in prm.values:
            shown = format_wan(value) if prm.unit == "CNY" else value
            mark = "*" if prm.interpretation else " "
            click.echo(
                f"{mark} {prm.name:40} {shown!s:>14} {prm.unit:5} 自{start}  {prm.reference}"
            )
