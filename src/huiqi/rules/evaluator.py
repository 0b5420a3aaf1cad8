"""Evaluate a measure over a Frame: conditions, amount, cap, prior awards, 就高不重复.

This is the one code path for a single enterprise and for a registry of millions. The
formula (from the policy package) gives conditions and the uncapped amount; the steps
every measure shares — cap, one-time and once-a-year rules, 就高不重复 — live here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .frame import BoolArray, Frame, IntArray, any_true, is_broadcast
from .parameters import ParameterUse, ParamView
from .policy import MeasureSpec, Outcome, Policy

INELIGIBLE, ELIGIBLE, DISCRETIONARY, EXCLUDED = 0, 1, 2, 3
STATUS_NAMES = ("ineligible", "eligible", "discretionary", "excluded")

# Columns the row builders add to every measure's frame.
PRIOR_PAID = "prior_paid"  # fen already paid under this measure (per the measure's prior rule)
PRIOR_COUNT = "prior_count"
OTHER_BEST = "other_policy_best"  # the largest award of another city policy for the same thing
OTHER_POLICY = "other_policy_name"
OTHER_PAID = "other_policy_paid"  # that award is paid (True) or only pending (False)
PROJECT = "project"


@dataclass
class MeasureEvaluation:
    spec: MeasureSpec
    frame: Frame
    outcome: Outcome
    conditions_met: BoolArray
    raw: IntArray  # fen before cap (0 for discretionary)
    capped: IntArray
    prior_paid: IntArray
    prior_blocks: BoolArray  # one-time already paid / paid this fiscal year
    zero_amount: BoolArray
    other_best: IntArray
    other_known: BoolArray
    # 就高不重复 against a paid award of another policy: what ours keeps back (fen)
    other_deducted: IntArray
    other_paid: BoolArray
    status: IntArray
    amount: IntArray  # fen awarded (0 unless eligible)
    cap_fen: int | None
    params_used: list[ParameterUse]
    # the reading that refused a further payment of a one-time measure, if one did
    prior_rule: str | None = None

    @property
    def n(self) -> int:
        return self.frame.n


def evaluate_measure(
    policy: Policy, spec: MeasureSpec, frame: Frame, when: dt.date
) -> MeasureEvaluation:
    view = ParamView(policy.parameters, when, cache=policy.param_cache)
    formula = policy.formulas[spec.id]
    outcome = formula(frame, view)

    met = frame.constant(True, np.bool_)
    for cond in outcome.conditions:
        # a condition on a constant column (as_of in bulk) is a broadcast view: skip it when
        # it holds, instead of and-ing ten million copies of True
        if is_broadcast(cond.passed) and bool(cond.passed[:1].all()):
            continue
        met = met & cond.passed

    cap = outcome.cap_fen
    if cap is None and spec.cap_param is not None:
        cap = view.money(spec.cap_param)

    zero_fen = frame.constant(0, np.int64)
    no = frame.constant(False, np.bool_)
    if outcome.amount is not None:
        raw = outcome.amount
        capped = np.minimum(raw, cap) if cap is not None else raw
    else:
        raw = capped = zero_fen

    # prior awards and other policies' awards: skipped outright where a frame has none (bulk
    # screening of a registry without award tables), so they cost nothing there
    prior_paid = frame.money(PRIOR_PAID)
    after = capped
    prior_blocks = no
    prior_count = frame.integer(PRIOR_COUNT) if frame.has(PRIOR_COUNT) else None
    # no earlier award on any row (the usual case): nothing to deduct or refuse
    # read (and so cited) whether or not any row has an earlier award, so a case's answer does
    # not depend on the other cases it is evaluated with
    prior_rule: str | None = None
    pays_more = True
    if spec.prior not in ("none", "once_per_fiscal_year") and outcome.amount is not None:
        prior_rule = _one_time_rule(spec, view)
        pays_more = prior_rule is None or view.flag(prior_rule)
    if spec.prior != "none" and prior_count is not None and any_true(prior_count):
        has_prior = prior_count > 0
        if spec.prior == "once_per_fiscal_year":
            prior_blocks = has_prior
            after = np.where(prior_blocks, 0, capped)
        elif outcome.amount is None:
            # a one-time award left to review is refused once it has been paid
            prior_blocks = has_prior if spec.one_time else no
        else:
            if not pays_more:
                # 一次性: paid once for this project or recognition, nothing more
                prior_blocks = has_prior
                after = np.where(has_prior, 0, capped)
            else:
                after = np.maximum(capped - prior_paid, 0)
                # a one-time award paid in full (or an upgrade already covered) leaves nothing
                prior_blocks = has_prior & (after == 0)

    other_best = frame.money(OTHER_BEST)
    other_known = frame.known(OTHER_BEST)
    other_paid = frame.flag(OTHER_PAID) if frame.has(OTHER_PAID) else other_known
    other_deducted = zero_fen

    open_claim = met if prior_blocks is no else met & ~prior_blocks
    if spec.kind == "discretionary" or outcome.amount is None:
        zero_amount = no
        status = np.where(open_claim, DISCRETIONARY, INELIGIBLE)
        amount = zero_fen
    else:
        positive = after > 0
        if outcome.review is None or not any_true(outcome.review):
            # no row left to review (the usual bulk run): three full-column steps fewer
            zero_amount = open_claim & ~positive
            ok = open_claim & positive
            status = np.where(ok, ELIGIBLE, INELIGIBLE)
        else:
            review = outcome.review
            zero_amount = open_claim & ~positive & ~review
            ok = open_claim & positive & ~review
            status = np.where(
                ok, ELIGIBLE, np.where(open_claim & review, DISCRETIONARY, INELIGIBLE)
            )
        if frame.has(OTHER_BEST):
            # read (and so cited) whether or not any row has another policy's award, so a
            # case's answer does not depend on the other cases it is evaluated with
            tie_to_other = view.flag("interpretation.tie_goes_to_other_policy")
            pay_difference = (
                view.flag("jiugao.pay_difference")
                if "jiugao.pay_difference" in view.params
                else False
            )
            if any_true(other_known):
                beaten = (other_best >= after) if tie_to_other else (other_best > after)
                status = np.where(ok & other_known & beaten, EXCLUDED, status)
                if pay_difference:
                    # 就高: the firm ends with the higher award; one already paid is kept and
                    # ours pays the rest. A pending one is not to be paid at all (explained).
                    keeps = (status == ELIGIBLE) & other_known & other_paid
                    other_deducted = np.where(keeps, other_best, 0)
                    after = after - other_deducted
                    # an equal award already paid, the tie read as ours: nothing is left to
                    # pay, so the row is the other policy's, not "eligible ¥0"
                    status = np.where(keeps & (after <= 0), EXCLUDED, status)
                    other_deducted = np.where(status == EXCLUDED, 0, other_deducted)
        amount = np.where(status == ELIGIBLE, after, 0)

    return MeasureEvaluation(
        spec=spec,
        frame=frame,
        outcome=outcome,
        conditions_met=met,
        raw=raw,
        capped=capped,
        prior_paid=prior_paid,
        prior_blocks=prior_blocks,
        zero_amount=zero_amount,
        other_best=other_best,
        other_known=other_known,
        other_deducted=other_deducted,
        other_paid=other_paid,
        status=status,
        amount=amount,
        cap_fen=cap,
        params_used=list(view.used.values()),
        prior_rule=prior_rule,
    )


def _one_time_rule(spec: MeasureSpec, view: ParamView) -> str | None:
    """The reading that says whether a one-time measure already paid pays a difference: for
    a tiered award (DCMM levels, factory grades) its upgrade reading, else one_time.top_up.
    None (pay the difference) for a measure that is not one-time or a package without it."""
    if not spec.one_time:
        return None
    tiered = bool(spec.source.rank) or spec.source.rank_by_level
    name = spec.upgrade_param if tiered else "one_time.top_up"
    return name if name is not None and name in view.params else None
