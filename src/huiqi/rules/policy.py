"""The policy model: clauses with their words, measures, tasks, parameters and formulas.

A policy package supplies this as data (YAML) plus formulas (Python); the engine never
names a policy.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .conditions import Condition
from .frame import BoolArray, Frame, IntArray
from .parameters import Parameter, ParamView, apply_readings, override

MeasureKind = Literal["computed", "discretionary"]
PriorRule = Literal["none", "deduct_same_project", "deduct_measure_total", "once_per_fiscal_year"]


@dataclass
class Outcome:
    """What a formula returns for the rows of one measure."""

    conditions: list[Condition]
    amount: IntArray | None = None  # fen before cap; None where the text leaves it to review
    cap_fen: int | None = None
    basis: Callable[[int], str] | None = None  # how row i's amount was computed, in Chinese
    # rows of a computed measure whose amount is left to review after all: the case lacks the
    # figures the formula needs (3.2.1 without a published 奖补标准 for the year)
    review: BoolArray | None = None


Formula = Callable[[Frame, ParamView], Outcome]


@dataclass(frozen=True)
class Source:
    """Where a measure's rows come from in a case."""

    type: Literal["enterprise", "recognition", "project"]
    kinds: tuple[str, ...] = ()  # recognition kinds, or the one project kind
    rank: dict[str, int] = field(default_factory=dict)  # recognition kind -> tier (higher wins)
    rank_by_level: bool = False  # DCMM: the higher level wins


@dataclass(frozen=True)
class MeasureSpec:
    id: str
    title: str
    clause_id: str
    clause_ref: str
    words: str  # the original words of the measure
    units: tuple[str, ...]
    kind: MeasureKind
    level: Literal["enterprise", "project"]
    source: Source
    cap_param: str | None
    one_time: bool
    prior: PriorRule
    support_type: str  # 奖励 / 补助 / 资金支持 / 费用补助 ...
    industries: tuple[str, ...]
    summary: str  # the rule in plain Chinese, rendered from summary_template and parameters
    notes: str = ""
    # the reading that says whether an upgrade of a tiered one-time award pays the difference
    upgrade_param: str | None = None
    # share of the award the city pays by default (percent); the rest is the district's
    default_city_percent: int = 100
    # the summary with {parameter.name} placeholders: a changed cap never leaves stale text
    summary_template: str = ""


_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


def _amount_words(fen: int) -> str:
    """500万元, 10亿元, 1000万元 (no thousands separators, as the text writes amounts)."""
    yuan, cents = divmod(fen, 100)
    if cents:
        return f"{yuan}.{cents:02d}元"
    if yuan and yuan % 100_000_000 == 0:
        return f"{yuan // 100_000_000}亿元"
    if yuan and yuan % 10_000 == 0:
        return f"{yuan // 10_000}万元"
    if yuan and yuan % 1_000 == 0 and yuan >= 10_000:
        return f"{yuan / 10_000:g}万元"
    return f"{yuan}元"


def render_summary(template: str, parameters: Mapping[str, Parameter], when: dt.date) -> str:
    """A measure's one-line summary with each {parameter} replaced by its value at `when`."""
    from .conditions import format_rate

    def one(m: re.Match[str]) -> str:
        p = parameters[m.group(1)]
        value = p.at(when)[1]
        if p.unit == "CNY":
            return _amount_words(int(value))
        if p.unit == "rate":
            return format_rate(value)
        if isinstance(value, tuple):
            return "、".join(str(v) for v in value)
        return str(value)

    return _PLACEHOLDER.sub(one, template)


@dataclass(frozen=True)
class Task:
    id: str
    clause_id: str
    title: str
    text: str
    units: tuple[str, ...]  # in the text's order
    # the text's own grouping of the units (separated by "，" in 责任单位：…)
    unit_groups: tuple[tuple[str, ...], ...] = ()
    # who leads: the text does not say; by convention the first unit, unless the package
    # names joint leads the text lists together (五（二） 市委组织部、市人才工作局)
    leads: tuple[str, ...] = ()
    lead_by_convention: bool = True


@dataclass(frozen=True)
class Clause:
    id: str  # "2.6"
    ref: str  # "二（六）"
    section: str
    title: str
    text: str
    units: tuple[str, ...]
    measure_ids: tuple[str, ...]
    task_ids: tuple[str, ...]
    rule_params: tuple[str, ...] = ()  # clauses that are rules of the whole policy (window, 就高)
    unit_groups: tuple[tuple[str, ...], ...] = ()  # the text's grouping of the units
    # notes the text attaches to a unit, e.g. 各区人民政府 -> 含开发区、风景区、长江新城管委会，下同
    unit_notes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FactKind:
    """A recognition or project kind the case may carry."""

    name: str
    title: str
    fields: dict[str, str]  # field -> money|date|integer|flag|text
    levels: tuple[Any, ...] = ()
    level_names: dict[Any, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExplainData:
    """A policy package's explain.yaml: how its results are told to people."""

    amounts: dict[str, tuple[str, str]]  # measure -> (up_to, the text's words)
    discretionary: dict[str, tuple[str, str]]  # measure -> (reason, the text's words)
    missing: dict[str, str]  # measure -> what to add when its subject is absent
    fields: dict[str, dict[str, str]]  # section (case/enterprise/annual/…) -> field -> title

    def title(self, section: str, name: str) -> str | None:
        return self.fields.get(section, {}).get(name)


EMPTY = ExplainData({}, {}, {}, {})


def parse_explain_data(doc: dict[str, Any] | None, normalise: Any = str) -> ExplainData:
    doc = doc or {}
    amounts = doc.get("amounts", {})
    reasons = doc.get("discretionary", {})
    fields = doc.get("fields", {})
    return ExplainData(
        amounts={str(k): (v["basis"], normalise(v["words"])) for k, v in amounts.items()},
        discretionary={str(k): (v["reason"], normalise(v["words"])) for k, v in reasons.items()},
        missing={str(k): str(v) for k, v in doc.get("missing", {}).items()},
        fields={sec: {str(k): str(v) for k, v in f.items()} for sec, f in fields.items()},
    )


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    document_number: str
    issuer: str
    issued: dt.date
    version: str
    parameters: dict[str, Parameter]
    clauses: tuple[Clause, ...]
    measures: dict[str, MeasureSpec]
    tasks: tuple[Task, ...]
    formulas: dict[str, Formula]
    recognition_kinds: dict[str, FactKind]
    project_kinds: dict[str, FactKind]
    enterprise_fields: dict[str, str]
    annual_fields: dict[str, str]
    full_text: str
    explain: ExplainData = field(default=EMPTY, compare=False, repr=False)
    # measures whose award is decided only after an expert / third-party opinion, by default
    expert_measures: tuple[str, ...] = ()
    # parameter values by (name, date), shared by all evaluations of this policy object;
    # init=False so that dataclasses.replace (a reform) starts with an empty cache
    param_cache: dict[tuple[str, dt.date], Any] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )
    # the same policy under other readings, by the readings chosen (see with_readings)
    reading_cache: dict[tuple[tuple[str, str], ...], Policy] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )

    @property
    def window_start(self) -> dt.date:
        value: dt.date = self.parameter_at("window.start", self.issued)
        return value

    @property
    def window_end(self) -> dt.date:
        value: dt.date = self.parameter_at("window.end", self.issued)
        return value

    def parameter_at(self, name: str, when: dt.date) -> Any:
        return self.parameters[name].at(when)[1]

    def cap_fen(self, measure_id: str, when: dt.date) -> int | None:
        spec = self.measures[measure_id]
        if spec.cap_param is None:
            return None
        value = self.parameter_at(spec.cap_param, when)
        return int(value)

    @property
    def unit_notes(self) -> dict[str, str]:
        """unit -> the note the text attaches to it; a note marked 下同 holds for every later
        mention of that unit, so it is the policy's, not one clause's."""
        notes: dict[str, str] = {}
        for c in self.clauses:
            for unit, note in c.unit_notes:
                notes.setdefault(unit, note)
        return notes

    def clause(self, clause_id: str) -> Clause:
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise KeyError(clause_id)

    def with_parameters(self, changes: dict[str, Any], source: str = "reform") -> Policy:
        """The same policy with some parameters changed (a reform or what-if)."""
        return replace(
            self, parameters=override(self.parameters, changes, source=source)
        ).with_summaries()

    def with_summaries(self) -> Policy:
        """Measures' summaries rendered from the current parameters (at the window start)."""
        when = (
            self.parameters["window.start"].values[0][1]
            if "window.start" in self.parameters
            else self.issued
        )
        measures = {
            mid: replace(m, summary=render_summary(m.summary_template, self.parameters, when))
            if m.summary_template
            else m
            for mid, m in self.measures.items()
        }
        return replace(self, measures=measures)

    @property
    def readings(self) -> dict[str, Parameter]:
        """The parameters that are readings of ambiguous words, each one switchable."""
        return {name: p for name, p in self.parameters.items() if p.interpretation}

    def with_readings(self, readings: Mapping[str, Any], path: str = "readings") -> Policy:
        """The same policy evaluated under other readings (a case's `readings`, or
        `--reading NAME=VALUE`). Only readings may change; anything else is bad input."""
        if not readings:
            return self
        key = tuple(sorted((str(k), repr(v)) for k, v in readings.items()))
        hit = self.reading_cache.get(key)
        if hit is None:
            hit = replace(
                self, parameters=apply_readings(self.parameters, dict(readings), path=path)
            ).with_summaries()
            if len(self.reading_cache) > 256:
                self.reading_cache.clear()
            self.reading_cache[key] = hit
        return hit

    def reading_changes(self, base: Policy) -> dict[str, Any]:
        """The readings in which this policy differs from `base`, name -> value."""
        return {
            name: p.values[-1][1]
            for name, p in self.readings.items()
            if name in base.parameters and base.parameters[name].values != p.values
        }

    def without_measures(self, measure_ids: set[str]) -> Policy:
        unknown = measure_ids - set(self.measures)
        if unknown:
            raise KeyError(f"unknown measures: {sorted(unknown)}")
        return replace(
            self, measures={k: v for k, v in self.measures.items() if k not in measure_ids}
        )
