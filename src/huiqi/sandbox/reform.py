"""A reform: a small YAML file that changes dated parameters or switches measures off.

    name: 研发补助提标
    description: 2.6.1 上限提到 200 万元，研发占比门槛降到 10%，有效期延长一年，取消 DCMM 奖励
    parameters:
      m2_6_1.cap: 2000000          # a plain value applies from the parameter's first date
      m2_6_1.rd_ratio: 0.10
      window.end: 2026-05-31
      # m2_6_2.cap: {2024-01-01: 1500000}   # or dated: {start date: value}
    disable: [2.6.3]

Kept as plain data (picklable), so Dask workers rebuild the reformed policy themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from huiqi.rules.errors import FieldError, InputError
from huiqi.rules.policy import Policy


@dataclass(frozen=True)
class Reform:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    disable: tuple[str, ...] = ()

    def apply(self, policy: Policy) -> Policy:
        """The reformed policy; raises InputError naming the field on a bad change."""
        errors: list[FieldError] = []
        for name in self.parameters:
            if name not in policy.parameters:
                errors.append(
                    FieldError(f"parameters.{name}", "unknown_parameter", f"政策中没有参数 {name}")
                )
        for i, mid in enumerate(self.disable):
            if mid not in policy.measures:
                errors.append(
                    FieldError(f"disable[{i}]", "unknown_measure", f"政策中没有措施 {mid}")
                )
        if errors:
            raise InputError(errors)
        try:
            reformed = policy.with_parameters(self.parameters, source=f"改革方案“{self.name}”")
        except InputError as exc:
            raise InputError(
                [FieldError(f"parameters.{e.path}", e.rule, e.message) for e in exc.errors]
            ) from None
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise InputError.single("parameters", "value", f"参数值无效：{exc}") from None
        return reformed.without_measures(set(self.disable)) if self.disable else reformed


def _plain(value: Any) -> Any:
    """YAML floats become exact decimals via their text (0.10 -> "0.1"), dates stay dates."""
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def parse_reform(raw: Any, source: str = "reform") -> Reform:
    if not isinstance(raw, dict):
        raise InputError.single(
            source, "object", "改革方案应为 YAML 映射（name / parameters / disable）"
        )
    unknown = set(raw) - {"name", "description", "parameters", "disable"}
    if unknown:
        raise InputError.single(
            sorted(unknown)[0],
            "unknown_field",
            "未知字段；可用：name, description, parameters, disable",
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError.single("name", "required", "改革方案需要名称 name")
    params = raw.get("parameters") or {}
    if not isinstance(params, dict):
        raise InputError.single("parameters", "object", "parameters 应为 参数名: 值 的映射")
    disable = raw.get("disable") or []
    if not isinstance(disable, list):
        raise InputError.single("disable", "array", "disable 应为措施编号列表，如 [2.6.3]")
    return Reform(
        name=name.strip(),
        description=str(raw.get("description") or ""),
        parameters={str(k): _plain(v) for k, v in params.items()},
        disable=tuple(str(m) for m in disable),
    )


def load_reform(path: Path) -> Reform:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError.single(str(path), "file", f"无法读取改革方案：{exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError.single(str(path), "yaml", f"YAML 格式错误：{exc}") from None
    return parse_reform(raw, str(path))


def describe_changes(policy: Policy, reform: Reform) -> list[tuple[str, str, str]]:
    """(parameter or measure, baseline, reform) for the report."""
    reformed = reform.apply(policy)
    rows = []
    for name in reform.parameters:
        when = dt.date.max
        before = policy.parameters[name].at(when)[1]
        after = reformed.parameters[name].at(when)[1]
        rows.append(
            (
                f"{name}（{policy.parameters[name].description}）",
                _show(before, policy.parameters[name].unit),
                _show(after, policy.parameters[name].unit),
            )
        )
    for mid in reform.disable:
        rows.append((f"措施 {mid}（{policy.measures[mid].title}）", "启用", "停用"))
    return rows


def _show(value: Any, unit: str) -> str:
    from fractions import Fraction

    from huiqi.rules.money import format_wan

    if unit == "CNY":
        return format_wan(int(value))
    if isinstance(value, Fraction):
        pct = Decimal(value.numerator) / Decimal(value.denominator) * 100
        return f"{pct.normalize():f}%"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
