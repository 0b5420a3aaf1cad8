"""`huiqi policy`: read a policy package — clauses, measures, tasks, parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from huiqi.policies import DEFAULT_POLICY_ID, available_policies, load_policy
from huiqi.rules.money import fen_to_str, format_wan

if TYPE_CHECKING:
    from huiqi.screening.readings_effect import ReadingEffect


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
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def measures(policy_id: str, as_json: bool) -> None:
    """资金措施：编号、名称、条款、类型、上限、责任单位。"""
    p = load_policy(policy_id)
    rows: list[dict[str, Any]] = []  # the JSON output, one object per measure
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
        cap_text = f"最高{r['cap']}" if r["cap"] else ""
        click.echo(
            f"{r['id']:6} {r['clause']:6} [{kind}] {r['title']} {cap_text}  "
            f"责任单位：{'、'.join(r['units'])}"
        )


@policy.command()
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
def tasks(policy_id: str) -> None:
    """非资金任务及其责任单位。

    文本未写明牵头单位：按惯例取所列第一个单位（标“惯例”）；文本并列的共同牵头单位
    （如五（二）市委组织部、市人才工作局）一并列出。责任单位按文本的分组（以“，”分隔）显示。
    """
    p = load_policy(policy_id)
    for t in p.tasks:
        lead = "、".join(t.leads)
        how = "（惯例：取第一个单位）" if t.lead_by_convention else "（文本并列，共同牵头）"
        others = "，".join("、".join(u for u in g if u not in t.leads) for g in t.unit_groups)
        others = "，".join(x for x in others.split("，") if x)
        click.echo(f"{t.id:7} {t.title}  牵头：{lead}{how}  配合：{others or '—'}")
    for unit, note in p.unit_notes.items():
        click.echo(f"注：{unit}〈{note}〉")


@policy.command()
@click.argument("clause_id", required=False)
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
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
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
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


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@policy.command()
@click.option("--policy", "policy_id", default=DEFAULT_POLICY_ID, show_default=True)
@click.option(
    "--population",
    "population",
    type=click.Path(path_type=Path),
    default=None,
    help="企业名录目录（huiqi population 的输出）：给出时测算每种读法影响多少企业、多少资金。",
)
@click.option("--as-of", "as_of", default=None, help="申报日 YYYY-MM-DD（名录中无 as_of 列时）。")
@click.option("--fiscal-year", type=int, default=None, help="财务数据年度（名录中无此列时）。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def readings(
    policy_id: str,
    population: Path | None,
    as_of: str | None,
    fiscal_year: int | None,
    as_json: bool,
) -> None:
    """全部读法（对含糊文字的解释）：默认值、可选的其他读法、所解释的原文；
    给出 --population 时，列出每种其他读法改变多少企业的结果、多少资金。

    \b
    按另一种读法测算一个案例：huiqi evaluate case.json --reading NAME=VALUE
    批量筛查整批名录：huiqi screen pop/ -o out.parquet --reading NAME=VALUE
    """
    import datetime as dt

    from huiqi.cli.options import fail_input
    from huiqi.rules.errors import InputError
    from huiqi.rules.money import format_yuan

    p = load_policy(policy_id)
    effects: dict[tuple[str, str], ReadingEffect] = {}
    if population is not None:
        from huiqi.screening.readings_effect import reading_effects

        try:
            day = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            fail_input(InputError.single("--as-of", "date", f"日期无效：{as_of!r}（YYYY-MM-DD）"))
        try:
            found = reading_effects(p, population, as_of=day, fiscal_year=fiscal_year)
        except InputError as exc:
            fail_input(exc)
        effects = {(e.name, _shown(e.value)): e for e in found}
    rows: list[dict[str, Any]] = []  # the JSON output, one object per reading
    for prm in p.readings.values():
        default = prm.values[-1][1]
        alts: list[dict[str, Any]] = []
        for alt in prm.alternatives:
            entry: dict[str, Any] = {"value": _shown(alt)}
            e = effects.get((prm.name, _shown(alt)))
            if e is not None:
                entry.update(
                    firms_changed=e.firms_changed,
                    cases_changed=e.cases_changed,
                    baseline=fen_to_str(e.baseline_fen),
                    alternative=fen_to_str(e.alternative_fen),
                    delta=fen_to_str(e.delta_fen),
                )
            alts.append(entry)
        rows.append(
            {
                "name": prm.name,
                "default": _shown(default),
                "alternatives": alts,
                "words": prm.words,
                "description": prm.description,
                "reference": prm.reference,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        others = "、".join(str(a["value"]) for a in r["alternatives"]) or "—（只列出，无其他读法）"
        click.echo(f"{r['name']}  默认：{r['default']}  其他读法：{others}")
        if r["words"]:
            click.echo(f"  原文：{r['words']}")
        click.echo(f"  含义：{r['description']}")
        for a in r["alternatives"]:
            if "delta" in a:
                delta = int(a["delta"].replace(".", ""))
                sign = "+" if delta > 0 else ""
                click.echo(
                    f"  → {r['name']}={a['value']}：{a['firms_changed']:,} 家企业结果改变"
                    f"（{a['cases_changed']:,} 个申报），资金 {sign}{format_yuan(delta)}"
                    f"（{format_yuan(int(a['baseline'].replace('.', '')))} → "
                    f"{format_yuan(int(a['alternative'].replace('.', '')))}）"
                )
        click.echo("")
