"""A second, tiny policy package: proof that a policy is added without touching the engine."""

import numpy as np

from huiqi.rules import conditions as c
from huiqi.rules.frame import Frame
from huiqi.rules.parameters import ParamView
from huiqi.rules.policy import Formula, Outcome
from huiqi.rules.standard import percent, within_window


def small_firm_rd_subsidy(f: Frame, p: ParamView) -> Outcome:
    conds = [
        c.at_least(
            f,
            column="revenue",
            threshold_fen=p.money("rd.revenue_threshold"),
            label="营业收入100万元及以上",
            what="年营业收入",
            fact="annual.revenue",
        ),
        within_window(f, p, column="as_of", what="申报日", fact="as_of"),
    ]
    rd = f.money("rd_expense")
    amount = np.where(f.known("rd_expense"), percent(rd, p.rate("rd.rate"), p), 0)
    return Outcome(conds, amount)


FORMULAS: dict[str, Formula] = {"1.1.1": small_firm_rd_subsidy}
