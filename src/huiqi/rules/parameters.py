"""Dated parameters, each with its unit and legal reference (policyengine-style).

A parameter's value at a date is the latest value whose start date is on or before it.
Interpretations of ambiguous words are parameters too, so that a reading is a named,
documented and overridable choice, never a silent one in code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import FieldError, InputError

UNITS = ("CNY", "rate", "date", "bool", "int", "years", "text", "list")


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    reference: str  # the clause and the words this value comes from, or the reason for a reading
    values: tuple[tuple[dt.date, Any], ...]  # (start date, value), sorted
    interpretation: bool = False  # True where the text is ambiguous and this is our reading
    # a reading's other possible values (each implemented), and the words of the text it reads
    alternatives: tuple[Any, ...] = ()
    words: str = ""

    def at(self, when: dt.date) -> tuple[dt.date, Any]:
        chosen: tuple[dt.date, Any] | None = None
        for start, value in self.values:
            if start <= when:
                chosen = (start, value)
        if chosen is None:
            # before the first dated value the first one applies: a rule has no "before".
            chosen = self.values[0]
        return chosen


@dataclass(frozen=True)
class ParameterUse:
    name: str
    value: Any
    unit: str
    reference: str
    since: dt.date


def _coerce(unit: str, raw: Any, name: str) -> Any:
    if unit == "CNY":
        value = Decimal(str(raw))
        if value != value.quantize(Decimal("0.01")):
            raise InputError.single(name, "precision", "金额参数最多精确到分")
        return int(value * 100)  # fen
    if unit == "rate":
        return Fraction(Decimal(str(raw)))
    if unit == "date":
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    if unit == "bool":
        if not isinstance(raw, bool):
            raise InputError.single(name, "bool", "应为 true 或 false")
        return raw
    if unit in ("int", "years"):
        return int(raw)
    if unit == "list":
        return tuple(raw)  # hashable, so parameter uses can be cached
    return raw


def parse_parameters(raw: dict[str, Any]) -> dict[str, Parameter]:
    """From the YAML mapping name -> {description, unit, reference, values: {date: value}}."""
    out: dict[str, Parameter] = {}
    for name, spec in raw.items():
        unit = spec["unit"]
        if unit not in UNITS:
            raise InputError.single(f"{name}.unit", "unit", f"未知单位 {unit}")
        values = tuple(
            sorted(
                (
                    start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)),
                    _coerce(unit, v, name),
                )
                for start, v in spec["values"].items()
            )
        )
        out[name] = Parameter(
            name=name,
            description=spec["description"],
            unit=unit,
            reference=spec["reference"],
            values=values,
            interpretation=bool(spec.get("interpretation", False)),
            alternatives=tuple(_coerce(unit, v, name) for v in spec.get("alternatives", ())),
            words=str(spec.get("words", "")),
        )
    return out


def override(
    params: dict[str, Parameter], changes: dict[str, Any], *, source: str = "reform"
) -> dict[str, Parameter]:
    """A copy with some parameters replaced, for reforms and what-ifs.

    A change is either a plain value (applies from the first date) or {date: value}.
    """
    out = dict(params)
    for name, change in changes.items():
        if name not in params:
            raise InputError.single(name, "unknown_parameter", f"政策中没有参数 {name}")
        base = params[name]
        dated = change if isinstance(change, dict) else {base.values[0][0]: change}
        merged = dict(base.values)
        for start, v in dated.items():
            when = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
            merged[when] = _coerce(base.unit, v, name)
        out[name] = Parameter(
            name=name,
            description=base.description,
            unit=base.unit,
            reference=f"{base.reference}（{source}调整）",
            values=tuple(sorted(merged.items())),
            interpretation=base.interpretation,
            alternatives=base.alternatives,
            words=base.words,
        )
    return out


def apply_readings(
    params: dict[str, Parameter], readings: dict[str, Any], *, path: str = "readings"
) -> dict[str, Parameter]:
    """A copy with some readings switched, each for the whole period.

    Only parameters marked `interpretation` are readings; any other name is refused, since a
    case must not change what the text itself fixes (a cap, a rate, a threshold).
    """
    errors: list[FieldError] = []
    out = dict(params)
    for name, raw in readings.items():
        where = f"{path}.{name}"
        base = params.get(name)
        if base is None or not base.interpretation:
            choices = "、".join(n for n, p in params.items() if p.interpretation)
            errors.append(
                FieldError(
                    where,
                    "not_a_reading",
                    f"{name} 不是可切换的解释参数（读法）；可切换：{choices}",
                )
            )
            continue
        try:
            value = _coerce(base.unit, _plain_reading(raw, base.unit), where)
        except (InputError, ValueError, TypeError, ArithmeticError) as exc:
            detail = exc.errors[0].message if isinstance(exc, InputError) else str(exc)
            errors.append(FieldError(where, "reading_value", f"读法取值无效：{detail}"))
            continue
        # a reading takes one of the values the package names for it; any other value would be
        # a reform (a change of the policy), not a reading of its words
        allowed = (*(v for _, v in base.values), *base.alternatives)
        if value not in allowed:
            shown = "、".join(_shown(v) for v in allowed)
            errors.append(
                FieldError(where, "reading_value", f"读法取值应为 {shown} 之一，收到 {raw!r}")
            )
            continue
        out[name] = Parameter(
            name=name,
            description=base.description,
            unit=base.unit,
            reference=f"{base.reference}（按读法 {name}={_shown(value)} 测算）",
            values=((base.values[0][0], value),),
            interpretation=True,
            alternatives=base.alternatives,
            words=base.words,
        )
    if errors:
        raise InputError(errors)
    return out


def _plain_reading(raw: Any, unit: str) -> Any:
    """A reading given as text (`--reading NAME=VALUE`) to the value its unit takes."""
    if isinstance(raw, str):
        text = raw.strip()
        if unit == "bool" and text.lower() in ("true", "false", "是", "否"):
            return text.lower() in ("true", "是")
        if unit in ("int", "years"):
            if not text.lstrip("-").isdigit():
                raise ValueError(f"应为整数，收到 {raw!r}")
            return int(text)
        if unit == "list":
            return [v.strip() for v in text.split(",") if v.strip()]
        return text
    if unit in ("int", "years") and (isinstance(raw, bool) or not isinstance(raw, int)):
        raise ValueError(f"应为整数，收到 {raw!r}")
    return raw


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class ParamView:
    """Parameters at one date; records which were read, for the trace."""

    params: dict[str, Parameter]
    when: dt.date
    used: dict[str, ParameterUse] = field(default_factory=dict)
    # (name, date) -> use; shared by every view of one policy, since a parameter's value at a
    # date never changes (a reform is another policy with its own cache)
    cache: dict[tuple[str, dt.date], ParameterUse] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        use = self.cache.get((name, self.when))
        if use is None:
            try:
                p = self.params[name]
            except KeyError:
                raise KeyError(f"policy has no parameter {name!r}") from None
            since, value = p.at(self.when)
            use = self.cache[(name, self.when)] = ParameterUse(
                name, value, p.unit, p.reference, since
            )
        self.used[name] = use
        return use.value

    def money(self, name: str) -> int:
        value = self.get(name)
        assert isinstance(value, int)
        return value

    def rate(self, name: str) -> Fraction:
        value = self.get(name)
        assert isinstance(value, Fraction)
        return value

    def date(self, name: str) -> dt.date:
        value = self.get(name)
        assert isinstance(value, dt.date)
        return value

    def flag(self, name: str) -> bool:
        return bool(self.get(name))

    def integer(self, name: str) -> int:
        return int(self.get(name))

    def fork(self) -> ParamView:
        return ParamView(self.params, self.when, cache=self.cache)
