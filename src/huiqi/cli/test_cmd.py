"""`huiqi test [PATH]`: run a policy package's YAML cases and report, case by case.

A case file (src/huiqi/policies/<package>/cases/*.yaml) is

    defaults: {...}                 # merged under every case (deep merge)
    cases:
      - name: 2.6.1 营业收入恰好500万，符合
        case: {annual: {"2023": {revenue: "5000000.00", rd_expense: "750000.00"}}}
        expect: [{measure: "2.6.1", status: eligible, amount: "75000.00"}]
        total: "75000.00"           # optional

`expect` rows name a measure (and a project where the measure pays per project) and any of
status, amount, cap, supersedes. Exit 0 when every case passes, 1 when one fails, 2 when a
file is malformed (the file and the field are named).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import click
import yaml

from huiqi.policies import DEFAULT_POLICY_ID, available_policies, load_policy
from huiqi.rules.errors import InputError
from huiqi.rules.policy import Policy

STATUSES = ("eligible", "ineligible", "discretionary", "excluded")
CASE_KEYS = {"name", "case", "expect", "total", "note"}
EXPECT_KEYS = {"measure", "project", "status", "amount", "cap", "supersedes"}
_AMOUNT = re.compile(r"^-?\d+\.\d{2}$")


class MalformedCaseFile(Exception):
    def __init__(self, path: Path, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")
        self.path, self.field, self.message = path, field, message


@dataclass
class CaseSpec:
    index: int
    name: str
    case: dict[str, Any]
    expect: list[dict[str, Any]]
    total: str | None


@dataclass
class Outcome:
    spec: CaseSpec
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def plain(value: Any) -> Any:
    """YAML dates and floats as a case JSON has them: ISO strings, exact decimals."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {str(k) if isinstance(k, int) else k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def _amount_text(value: Any, path: Path, where: str) -> str:
    text = str(plain(value))
    if not _AMOUNT.match(text):
        raise MalformedCaseFile(
            path, where, f'金额应写成两位小数的元，如 "75000.00"，收到 {value!r}'
        )
    return text


def read_case_file(path: Path, policy: Policy) -> list[CaseSpec]:
    """The cases of one file, checked field by field; MalformedCaseFile names the first problem."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else "$"
        raise MalformedCaseFile(path, where, f"YAML 格式错误：{exc}") from None
    except OSError as exc:
        raise MalformedCaseFile(path, "$", f"无法读取文件：{exc.strerror}") from None
    if not isinstance(doc, dict):
        raise MalformedCaseFile(path, "$", "文件应为含 cases 列表的映射")
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise MalformedCaseFile(path, "defaults", "应为映射（各案例共用的字段）")
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        raise MalformedCaseFile(path, "cases", "应为非空列表")
    out = []
    for i, spec in enumerate(cases):
        where = f"cases[{i}]"
        if not isinstance(spec, dict):
            raise MalformedCaseFile(path, where, "应为映射（name、case、expect）")
        extra = sorted(set(spec) - CASE_KEYS)
        if extra:
            raise MalformedCaseFile(path, f"{where}.{extra[0]}", "未知字段")
        if not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise MalformedCaseFile(path, f"{where}.name", "缺少案例名称")
        if not isinstance(spec.get("case", {}), dict):
            raise MalformedCaseFile(path, f"{where}.case", "应为映射（案例 JSON）")
        expect = spec.get("expect")
        if not isinstance(expect, list) or not expect:
            raise MalformedCaseFile(path, f"{where}.expect", "应为非空列表（每项一个措施的期望）")
        rows = [_expect_row(path, f"{where}.expect[{k}]", e, policy) for k, e in enumerate(expect)]
        total = spec.get("total")
        out.append(
            CaseSpec(
                index=i,
                name=spec["name"],
                case=merge(plain(defaults), plain(spec.get("case", {}))),
                expect=rows,
                total=None if total is None else _amount_text(total, path, f"{where}.total"),
            )
        )
    return out


def _expect_row(path: Path, where: str, row: Any, policy: Policy) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise MalformedCaseFile(path, where, "应为映射（measure、status、amount …）")
    extra = sorted(set(row) - EXPECT_KEYS)
    if extra:
        raise MalformedCaseFile(path, f"{where}.{extra[0]}", "未知字段")
    measure = str(row.get("measure", ""))
    if measure not in policy.measures:
        raise MalformedCaseFile(
            path, f"{where}.measure", f"未知措施编号 {measure!r}（huiqi policy measures 查看）"
        )
    out: dict[str, Any] = {"measure": measure, "project": row.get("project")}
    if "status" in row:
        if row["status"] not in STATUSES:
            raise MalformedCaseFile(
                path, f"{where}.status", f"应为 {' | '.join(STATUSES)}，收到 {row['status']!r}"
            )
        out["status"] = row["status"]
    for key in ("amount", "cap"):
        if key in row:
            # cap: null expects a measure the text leaves without a cap
            none_ok = key == "cap" and row[key] is None
            out[key] = None if none_ok else _amount_text(row[key], path, f"{where}.{key}")
    if "supersedes" in row:
        out["supersedes"] = str(row["supersedes"])
    return out


def run_case(policy: Policy, path: Path, spec: CaseSpec) -> Outcome:
    from huiqi.rules.api import evaluate_case_json

    try:
        result = evaluate_case_json(policy, spec.case)
    except InputError as exc:
        e = exc.errors[0]
        raise MalformedCaseFile(
            path, f"cases[{spec.index}].case.{e.path}", f"{e.message} [{e.rule}]"
        ) from None
    outcome = Outcome(spec)
    rows = {(r["measure"], r["project"]): r for r in result["results"]}
    for exp in spec.expect:
        key = (exp["measure"], exp["project"])
        label = exp["measure"] + (f"［项目 {exp['project']}］" if exp["project"] else "")
        row = rows.get(key)
        if row is None:
            outcome.failures.append(f"{label}：没有这一行结果")
            continue
        failed = False
        for name in ("status", "amount", "cap"):
            if name in exp and row[name] != exp[name]:
                outcome.failures.append(f"{label} {name}：期望 {exp[name]}，实际 {row[name]}")
                failed = True
        if "supersedes" in exp:
            got = (row.get("supersedes") or {}).get("policy")
            if got != exp["supersedes"]:
                outcome.failures.append(f"{label} supersedes：期望 {exp['supersedes']}，实际 {got}")
                failed = True
        if failed:
            outcome.failures.extend(f"    {reason}" for reason in row["reasons"])
    if spec.total is not None and result["total"] != spec.total:
        outcome.failures.append(f"total：期望 {spec.total}，实际 {result['total']}")
    return outcome


def shown(path: Path) -> str:
    """A path as short as the reader can use it: relative to the working directory if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def policy_case_files() -> list[tuple[str, Path]]:
    """(policy id, file) for every installed policy package's cases/*.yaml."""
    out: list[tuple[str, Path]] = []
    for policy_id, module in sorted(available_policies().items()):
        folder = Path(str(resources.files(module).joinpath("cases")))
        out.extend((policy_id, p) for p in sorted(folder.glob("*.yaml")))
    return out


def _files_for(path: Path | None, policy_id: str) -> list[tuple[str, Path]]:
    installed = policy_case_files()
    if path is None:
        return installed
    owner = {p.parent.resolve(): pid for pid, p in installed}

    def policy_of(f: Path) -> str:
        return owner.get(f.resolve().parent, policy_id)

    if path.is_dir():
        return [(policy_of(f), f) for f in sorted(path.glob("*.yaml"))]
    return [(policy_of(path), path)]


@click.command("test")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy_id",
    default=DEFAULT_POLICY_ID,
    show_default=True,
    help="PATH 不在已安装政策包内时，按此政策测算。",
)
@click.option("-k", "name_filter", default=None, help="只运行名称含此文字的案例。")
@click.option("-q", "--quiet", is_flag=True, help="只列出失败的案例。")
def test_command(path: Path | None, policy_id: str, name_filter: str | None, quiet: bool) -> None:
    """运行政策包的 YAML 测试案例，逐案报告通过/失败（如 openfisca test）。

    \b
    PATH 为案例文件或目录；省略时运行所有已安装政策包的 cases/*.yaml。
    失败时列出每个措施的期望值与实际值及测算理由。
    退出码：0 全部通过，1 有失败，2 案例文件格式错误（指明文件和字段）。

    \b
    示例：
      huiqi test
      huiqi test src/huiqi/policies/wuhan_digital_economy_2022/cases/software_2_6.yaml
      huiqi test my_cases/ -k 2.6.1
    """
    import sys

    if path is not None and not path.exists():
        click.echo(f"输入有误 (input error):\n  {path}: 文件或目录不存在 [file]", err=True)
        sys.exit(2)
    files = _files_for(path, policy_id)
    if not files:
        click.echo(f"输入有误 (input error):\n  {path}: 没有 .yaml 案例文件 [file]", err=True)
        sys.exit(2)
    started = time.perf_counter()
    passed = failed = 0
    try:
        for pid, file in files:
            try:
                policy = load_policy(pid)
            except KeyError:
                raise MalformedCaseFile(file, "--policy", f"未知政策包 {pid!r}") from None
            specs = read_case_file(file, policy)
            if name_filter:
                specs = [s for s in specs if name_filter in s.name]
            if not specs:
                continue
            click.echo(f"{shown(file)}（{policy.document_number}）")
            for spec in specs:
                outcome = run_case(policy, file, spec)
                if outcome.passed:
                    passed += 1
                    if not quiet:
                        click.echo(f"  ✔ [{spec.index}] {spec.name}")
                    continue
                failed += 1
                click.echo(f"  ✘ [{spec.index}] {spec.name}")
                for line in outcome.failures:
                    click.echo(f"      {line}")
    except MalformedCaseFile as exc:
        click.echo("案例文件格式错误 (malformed case file):", err=True)
        click.echo(f"  {shown(exc.path)}: {exc.field}: {exc.message}", err=True)
        sys.exit(2)
    seconds = time.perf_counter() - started
    verdict = "全部通过" if not failed else f"{failed} 个失败"
    click.echo(f"\n{passed + failed} 个案例：{passed} 个通过，{verdict}（{seconds:.1f} 秒）")
    sys.exit(1 if failed else 0)
