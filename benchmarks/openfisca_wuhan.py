"""武政规〔2022〕6号 二（六） (2.6.1–2.6.3) as an idiomatic OpenFisca tax-benefit system.

Written the way an OpenFisca country package would write it: one entity (``enterprise``),
dated parameters with units and references, ``value_type = float`` money Variables with
formulas over whole columns, ``round_``/``min_``/``where``/``select`` from model_api, and
new firms given ``revenue_previous_year = 0`` (OpenFisca has no nulls).

Two float widths:

- ``build_tax_benefit_system()`` — OpenFisca's default: ``value_type = float`` is stored
  as numpy **float32** (openfisca_core.variables.config.VALUE_TYPES).
- ``build_tax_benefit_system(np.float64)`` — same formulas; every money Variable derives
  from a base class whose ``__init__`` resets ``self.dtype`` after ``Variable.__init__``
  has set it from VALUE_TYPES. Holders, ``set_input`` and formula-result casting all use
  ``variable.dtype``, so the whole computation really runs in float64. (Setting
  ``value_type = float`` on the base class would not work: ``Variable.__init__`` only reads
  attributes from the concrete class's own ``__dict__``.)

``WuhanReform`` / ``build_reform()`` is the issue-5 reform: 2.6.1 cap 2,000,000 and R&D
intensity threshold 10 %.

    python benchmarks/openfisca_wuhan.py INPUT.parquet -o OUT.parquet [--float64]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from arrowfen import WRITE_OPTIONS, fen_to_decimal
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, Reform, Variable, min_, round_, select, where
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import instant
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

PERIOD = "2023"  # the fiscal year screened (as_of 2024-06-30)
INPUTS = ("software_enterprise", "revenue", "revenue_previous_year", "rd_expense", "dcmm_level")
AWARDS = ("award_2_6_1", "award_2_6_2", "award_2_6_3", "award_total")
REF = "武政规〔2022〕6号 二（六）"
START = "2022-06-01"  # the policy's validity window starts here


def _param(value: float, unit: str, description: str) -> dict:
    return {"description": description, "values": {START: {"value": value}},
            "metadata": {"unit": unit, "reference": REF}}  # fmt: skip


PARAMETERS = {
    "wuhan_digital_economy": {
        "software_rd_subsidy": {  # 2.6.1
            "min_revenue": _param(5_000_000, "currency-CNY", "营业收入达到"),
            "min_rd_intensity": _param(0.15, "/1", "研发投入占营业收入比重达到"),
            "rate": _param(0.10, "/1", "按研发投入的比例补助"),
            "cap": _param(1_000_000, "currency-CNY", "最高补助"),
        },
        "software_growth_award": {  # 2.6.2
            "min_revenue": _param(5_000_000, "currency-CNY", "营业收入达到"),
            "min_growth": _param(0.30, "/1", "营业收入增速达到"),
            "rate": _param(0.01, "/1", "按营业收入增量的比例奖励"),
            "cap": _param(1_000_000, "currency-CNY", "最高奖励"),
        },
        "dcmm_award": {  # 2.6.3
            "level_3": _param(200_000, "currency-CNY", "DCMM 三级"),
            "level_4": _param(300_000, "currency-CNY", "DCMM 四级"),
            "level_5": _param(500_000, "currency-CNY", "DCMM 五级"),
        },
    }
}


def build_tax_benefit_system(float_dtype: type = np.float32) -> TaxBenefitSystem:
    """A fresh system whose money Variables are stored as ``float_dtype``."""
    enterprise_entity = build_entity(
        key="enterprise", plural="enterprises", label="企业", is_person=True
    )

    class Money(Variable):
        """Base of the money Variables: only changes the storage dtype."""

        def __init__(self, baseline_variable=None) -> None:
            super().__init__(baseline_variable)
            self.dtype = float_dtype

    class software_enterprise(Variable):
        value_type = bool
        entity = enterprise_entity
        definition_period = YEAR
        label = "软件企业"

    class revenue(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "营业收入（元）"

    class revenue_previous_year(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "上年营业收入（元，新企业为 0）"

    class rd_expense(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "研发投入（元）"

    class dcmm_level(Variable):
        value_type = int
        entity = enterprise_entity
        definition_period = YEAR
        label = "DCMM 等级（0 为无）"

    class rd_intensity(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "研发投入占营业收入比重"

        def formula(enterprise, period, parameters):
            revenue = enterprise("revenue", period)
            rd = enterprise("rd_expense", period)
            return where(revenue > 0, rd / where(revenue > 0, revenue, 1), 0)

    class revenue_growth(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "营业收入增速"

        def formula(enterprise, period, parameters):
            revenue = enterprise("revenue", period)
            previous = enterprise("revenue_previous_year", period)
            return where(previous > 0, (revenue - previous) / where(previous > 0, previous, 1), 0)

    class award_2_6_1(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "2.6.1 软件企业研发补助（元）"
        reference = REF

        def formula(enterprise, period, parameters):
            p = parameters(period).wuhan_digital_economy.software_rd_subsidy
            rd = enterprise("rd_expense", period)
            eligible = (
                enterprise("software_enterprise", period)
                * (enterprise("revenue", period) >= p.min_revenue)
                * (enterprise("rd_intensity", period) >= p.min_rd_intensity)
            )
            return where(eligible, min_(round_(rd * p.rate, 2), p.cap), 0)

    class award_2_6_2(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "2.6.2 软件企业增长奖励（元）"
        reference = REF

        def formula(enterprise, period, parameters):
            p = parameters(period).wuhan_digital_economy.software_growth_award
            revenue = enterprise("revenue", period)
            previous = enterprise("revenue_previous_year", period)
            eligible = (
                enterprise("software_enterprise", period)
                * (revenue >= p.min_revenue)
                * (previous > 0)
                * (enterprise("revenue_growth", period) >= p.min_growth)
            )
            return where(eligible, min_(round_((revenue - previous) * p.rate, 2), p.cap), 0)

    class award_2_6_3(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "2.6.3 DCMM 奖励（元）"
        reference = REF

        def formula(enterprise, period, parameters):
            p = parameters(period).wuhan_digital_economy.dcmm_award
            level = enterprise("dcmm_level", period)
            amount = select(
                [level == 3, level == 4, level == 5], [p.level_3, p.level_4, p.level_5], 0
            )
            return enterprise("software_enterprise", period) * amount

    class award_total(Money):
        value_type = float
        entity = enterprise_entity
        definition_period = YEAR
        label = "二（六）奖补合计（元）"

        def formula(enterprise, period, parameters):
            return (
                enterprise("award_2_6_1", period)
                + enterprise("award_2_6_2", period)
                + enterprise("award_2_6_3", period)
            )

    tbs = TaxBenefitSystem([enterprise_entity])
    tbs._parameters_at_instant_cache = {}  # the class-level default dict is shared
    tbs.parameters = ParameterNode("", data=PARAMETERS)
    tbs.add_variables(
        software_enterprise, revenue, revenue_previous_year, rd_expense, dcmm_level,
        rd_intensity, revenue_growth, award_2_6_1, award_2_6_2, award_2_6_3, award_total,
    )  # fmt: skip
    return tbs


def _reform_parameters(parameters: ParameterNode) -> ParameterNode:
    node = parameters.wuhan_digital_economy.software_rd_subsidy
    node.cap.update(start=instant(START), value=2_000_000)
    node.min_rd_intensity.update(start=instant(START), value=0.10)
    return parameters


class WuhanReform(Reform):
    """Issue-5 reform of 2.6.1: cap 2,000,000 yuan, R&D intensity threshold 10 %."""

    name = "2.6.1 研发补助上限 200 万元、研发投入占比门槛 10%"

    def apply(self) -> None:
        self.modify_parameters(modifier_function=_reform_parameters)


def build_reform(float_dtype: type = np.float32) -> TaxBenefitSystem:
    """The reformed system on top of a fresh baseline of the given float width."""
    return WuhanReform(build_tax_benefit_system(float_dtype))


def simulate(tbs: TaxBenefitSystem, inputs: dict[str, np.ndarray], period: str = PERIOD):
    """Build a default simulation of len(inputs) enterprises, set inputs, return awards."""
    n = len(inputs["revenue"])
    simulation = SimulationBuilder().build_default_simulation(tbs, count=n)
    for name in INPUTS:
        simulation.set_input(name, period, inputs[name])
    return {name: simulation.calculate(name, period) for name in AWARDS}


def inputs_from_table(table: pa.Table) -> dict[str, np.ndarray]:
    """Arrow table → OpenFisca inputs: decimals cast to float64, nulls to 0 / False."""

    def money(name: str) -> np.ndarray:
        col = pc.cast(table[name], pa.float64())
        return (col.fill_null(0.0) if col.null_count else col).to_numpy()

    sw = table["software_enterprise"]
    dcmm = table["dcmm_level"]
    return {
        "software_enterprise": (sw.fill_null(False) if sw.null_count else sw).to_numpy(),
        "revenue": money("revenue"),
        "revenue_previous_year": money("revenue_previous_year"),
        "rd_expense": money("rd_expense"),
        "dcmm_level": (dcmm.fill_null(0) if dcmm.null_count else dcmm).to_numpy().astype(np.int32),
    }


def to_fen(values: np.ndarray) -> np.ndarray:
    """Float yuan → int64 fen, rounded to the nearest fen: the kindest possible reading."""
    return np.rint(values.astype(np.float64) * 100).astype(np.int64)


def screen_file(src: Path, dst: Path, float_dtype: type = np.float32) -> dict[str, float]:
    """End to end like ``huiqi screen``: Parquet in, decimal(18,2) Parquet out."""
    t0 = time.perf_counter()
    table = pq.read_table(src)
    t1 = time.perf_counter()
    inputs = inputs_from_table(table)
    tbs = build_tax_benefit_system(float_dtype)
    t2 = time.perf_counter()
    awards = simulate(tbs, inputs)
    t3 = time.perf_counter()
    out = pa.table({"credit_code": table["credit_code"],
                    **{k: fen_to_decimal(to_fen(v)) for k, v in awards.items()}})  # fmt: skip
    pq.write_table(out, dst, **WRITE_OPTIONS)
    t4 = time.perf_counter()
    return {"read": t1 - t0, "convert": t2 - t1, "compute": t3 - t2, "write": t4 - t3}


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="screen 2.6.1–2.6.3 with OpenFisca")
    ap.add_argument("input", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--float64", action="store_true", help="money Variables as float64")
    args = ap.parse_args(argv)
    dtype = np.float64 if args.float64 else np.float32
    print(json.dumps(screen_file(args.input, args.output, dtype)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
