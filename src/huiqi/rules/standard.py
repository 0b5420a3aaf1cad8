"""Building blocks every policy package can use: the validity window, credit, percentages,
the policy's place.

They read parameters by conventional names (window.start, window.end, credit.*, scope.*,
interpretation.rounding) so a package gets them by declaring those parameters. The one name
a package chooses itself is its place switch (a bool such as Wuhan's scope.wuhan_only, public
as a reading), which its formulas pass to `enterprise_standing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

import numpy as np

from .conditions import Condition, date_between, format_rate
from .frame import BoolArray, Frame, IntArray, ObjArray, add_months, any_true, days_to_date
from .memo import IdentityMemo
from .money import format_yuan, percent_half_up
from .parameters import ParamView

BasisFn = Callable[[int], str]


# (window, column, wording; the date column and its known-mask by identity) -> the
# condition. A single case asks this of a dozen measures whose date columns are the same
# objects: its as_of (one shared column), and the unknown date of every recognition or
# project it does not have (small columns are shared by value, frame.py).
_WINDOW_MEMO: IdentityMemo[Condition] = IdentityMemo(1024)
_WINDOW_MEMO_ROWS = 64


def within_window(f: Frame, p: ParamView, *, column: str, what: str, fact: str) -> Condition:
    """The date in `column` lies in the policy's validity window (window.start – window.end).

    The condition depends only on the column, its known-mask (by identity: read-only shared
    columns), the window and the wording, so a small frame reuses one worked out before; the
    window is read through `p` either way, so the measure cites it as before."""
    start, end = p.date("window.start"), p.date("window.end")
    if f.n > _WINDOW_MEMO_ROWS:
        return _window(f, column, start, end, what, fact)
    held = (f.date(column), f.known(column))
    key = (start, end, column, what, fact)
    hit = _WINDOW_MEMO.get(key, held)
    if hit is not None:
        return hit
    return _WINDOW_MEMO.put(key, held, _window(f, column, start, end, what, fact))


def _window(f: Frame, column: str, start: Any, end: Any, what: str, fact: str) -> Condition:
    return date_between(
        f,
        column=column,
        start=start,
        end=end,
        label=f"{what}在政策有效期内",
        what=what,
        fact=fact,
    )


def percent(fen: IntArray, rate: Fraction, p: ParamView) -> IntArray:
    """rate x fen to the fen, by the package's rounding reading (half_up by default)."""
    mode = p.get("interpretation.rounding")
    if mode == "half_up":
        return percent_half_up(fen, rate)
    if mode == "down":
        return (fen * rate.numerator) // rate.denominator
    raise ValueError(f"interpretation.rounding: unsupported mode {mode!r}")


CREDIT_SOURCE = "信用条件来自申报指南（实施细则）通行要求，非政策文件条文"


def _recent(f: Frame, column: str, since: IntArray) -> BoolArray:
    """A penalty decided after `since` (strictly: one exactly N months before is outside)."""
    known = f.known(column)
    if not f.has(column) or not any_true(known):
        return f.constant(False, np.bool_)
    return known & (f.date(column) > since)


def credit_in_good_standing(f: Frame, p: ParamView) -> Condition:
    """As application guidelines do it: not on the serious-discredit list, no *major*
    administrative penalty in the look-back period; any penalty only if the reading
    credit.block_any_penalty says so. The policy text itself has no credit condition, so
    every reason says where the rule comes from.

    Unknown credit facts pass: the calculator must work before a firm is identified; the
    platform fills these facts from the credit registry before any decision.
    """
    block = p.flag("credit.block_serious_discredit")
    months = p.integer("credit.major_penalty_lookback_months")
    any_penalty = p.flag("credit.block_any_penalty")
    if block and f.has("serious_discredit") and any_true(f.known("serious_discredit")):
        discredit = f.flag("serious_discredit") & f.known("serious_discredit")
    else:
        discredit = f.constant(False, np.bool_)
    no = f.constant(False, np.bool_)
    since = add_months(f.date("as_of"), -months) if months > 0 else None
    major = _recent(f, "last_major_penalty_date", since) if since is not None else no
    minor = _recent(f, "last_penalty_date", since) if since is not None and any_penalty else no
    known = f.constant(True, np.bool_)
    if discredit is no and major is no and minor is no:
        # no credit fact on any row (a registry without credit columns): a constant the
        # evaluator skips, instead of three full columns of False or-ed together
        passed = known
    else:
        passed = ~(discredit | major | minor)

    def day(column: str, i: int) -> str:
        return days_to_date(int(f.date(column)[i])).isoformat()

    def detail(i: int) -> str:
        if discredit[i]:
            return f"企业列入严重失信主体名单，不予支持（{CREDIT_SOURCE}）"
        if major[i]:
            return (
                f"企业于 {day('last_major_penalty_date', i)} 受过重大行政处罚，"
                f"在申报日前 {months} 个月内，不予支持（{CREDIT_SOURCE}）"
            )
        if minor[i]:
            return (
                f"企业于 {day('last_penalty_date', i)} 受过行政处罚，在申报日前 {months} 个月内；"
                f"按读法 credit.block_any_penalty=true 不予支持（{CREDIT_SOURCE}）"
            )
        scope = f"近 {months} 个月内无重大行政处罚" if months > 0 else "不审查行政处罚"
        return f"信用状况良好：未列入严重失信主体名单，{scope}（{CREDIT_SOURCE}）"

    return Condition(
        "credit",
        "信用状况良好（申报指南要求）",
        passed,
        known,
        "enterprise.serious_discredit/last_major_penalty_date",
        detail,
    )


# (listed names, prefixes, column) -> status: the enterprise measures of one registry part
# share one district column, so its membership is worked out once, not per measure
_DISTRICT_MEMO: IdentityMemo[IntArray] = IdentityMemo(64)
_LISTED, _NOT_LISTED, _BLANK = 1, 0, -1
# the parameter naming what a firm may write before its district (e.g. 湖北省, 武汉市)
REGION_PREFIXES = "scope.region_prefixes"


def normalise_district(name: str, prefixes: Iterable[str] = ()) -> str:
    """ "湖北省武汉市 洪山区" -> "洪山区" with prefixes (湖北省, 武汉市): a list of places names
    them without the province or city a firm may write before them."""
    text = "".join(name.split())
    for prefix in prefixes:
        text = text.removeprefix(prefix)
    return text


def region_prefixes(p: ParamView) -> tuple[str, ...]:
    """The package's scope.region_prefixes (none without it). Read without citing it: it says
    how a name is written, not who is supported."""
    named = p.params.get(REGION_PREFIXES)
    return tuple(str(x) for x in named.at(p.when)[1]) if named is not None else ()


# (prefixes, scope.districts value) -> its normalised names: a policy's parameter cache hands
# every measure the same list object, and normalising its two dozen names per measure cost
# more than the scope test itself
_LISTED_MEMO: IdentityMemo[frozenset[str]] = IdentityMemo(64)


def _listed_districts(districts: Any, prefixes: tuple[str, ...]) -> frozenset[str]:
    hit = _LISTED_MEMO.get(prefixes, (districts,))
    if hit is not None:
        return hit
    listed = frozenset(normalise_district(str(d), prefixes) for d in districts)
    return _LISTED_MEMO.put(prefixes, (districts,), listed)


def _district_status(
    values: ObjArray, listed: frozenset[str], prefixes: tuple[str, ...]
) -> IntArray:
    """Per row: listed, not listed, or blank (no usable name: treated as not given)."""
    hit = _DISTRICT_MEMO.get((listed, prefixes), (values,))
    if hit is not None:
        return hit
    answers: dict[Any, int] = {}

    def one(x: Any) -> int:
        answer = answers.get(x)
        if answer is None:
            name = normalise_district(x, prefixes) if isinstance(x, str) else ""
            answer = _BLANK if not name else _LISTED if name in listed else _NOT_LISTED
            answers[x] = answer
        return answer

    out = np.fromiter((one(x) for x in values), dtype=np.int64, count=len(values))
    return _DISTRICT_MEMO.put((listed, prefixes), (values,), out)


# (prefix, division, its known mask) -> (code decides, in scope by the code): as with
# districts, the measures of one registry part share the column, so it is worked out once
_DIVISION_MEMO: IdentityMemo[tuple[BoolArray, BoolArray]] = IdentityMemo(64)


def _division_status(
    division: IntArray, known: BoolArray, prefix: str
) -> tuple[BoolArray, BoolArray]:
    """Per row: whether the credit code's division decides (known, and not the provincial
    registration 420000, which says nothing of the city), and whether it decides for the
    scope (under the prefix: e.g. 4201, 420100–420199)."""
    hit = _DIVISION_MEMO.get(prefix, (division, known))
    if hit is not None:
        return hit
    scale = 10 ** (6 - len(prefix))
    low = int(prefix) * scale
    decides = known & (division != int(prefix[:2]) * 10_000)
    in_by_code = decides & (division >= low) & (division < low + scale)
    return _DIVISION_MEMO.put(prefix, (division, known), (decides, in_by_code))


_ALL_TRUE: IdentityMemo[bool] = IdentityMemo(64)


def _all_true(mask: BoolArray) -> bool:
    """mask.all(), once per array (the measures of one registry part share it)."""
    hit = _ALL_TRUE.get(None, (mask,))
    return hit if hit is not None else _ALL_TRUE.put(None, (mask,), bool(mask.all()))


def in_scope(f: Frame, p: ParamView, *, switch: str) -> list[Condition]:
    """The enterprise is of the policy's place (我市, scope.region, e.g. 武汉市): its district,
    written with or without the scope.region_prefixes, is on the list scope.districts (districts
    and functional areas); with no district, its credit code's registration division decides
    (scope.division_prefix, e.g. 4201xx in, 420000 provincial registration unknown, any other
    out). `switch` is the package's bool parameter turning the condition on; a package
    without it has no such condition."""
    if switch not in p.params:
        return []
    if not p.flag(switch):
        everyone = f.constant(True, np.bool_)
        label = f"不审查企业所在地（按读法 {switch}=false）"
        return [
            Condition("scope", label, everyone, everyone, "enterprise.district", lambda _: label)
        ]
    prefixes = region_prefixes(p)
    listed = _listed_districts(p.get("scope.districts"), prefixes)
    # the policy's place as its text names it (我市): wording only, so read without citing it
    named = p.params.get("scope.region")
    region = str(named.at(p.when)[1]) if named is not None else "本地区"
    prefix = str(p.get("scope.division_prefix"))
    district, district_known = f.text("district"), f.known("district")
    if bool(district_known.any()):
        status = _district_status(district, listed, prefixes)
        given = district_known & (status != _BLANK)
        by_district = status == _LISTED
    else:
        given = by_district = f.constant(False, np.bool_)
    division, division_known = f.integer("credit_division"), f.known("credit_division")
    code_decides, in_by_code = _division_status(division, division_known, prefix)
    if given is by_district:  # no district on any row: the credit code decides alone
        passed, known = in_by_code, code_decides
        if _all_true(in_by_code):
            # a registry of the place's firms only: a constant the evaluator skips, instead of one
            # more column and-ed into every measure
            passed = known = f.constant(True, np.bool_)
    else:
        code_decides = ~given & code_decides
        passed = np.where(given, by_district, code_decides & in_by_code)
        known = given | code_decides

    def detail(i: int) -> str:
        if given[i]:
            if passed[i]:
                return f"企业所在区：{district[i]}（属{region}）"
            return f"企业所在地“{district[i]}”不属{region}各区及功能区；本政策支持我市企业"
        code = f"{int(division[i]):06d}"
        if passed[i]:
            return f"未填所在区；统一社会信用代码登记机关区划码 {code} 属{region}"
        return f"未填所在区；统一社会信用代码登记机关区划码 {code} 不属{region}；本政策支持我市企业"

    label = f"属{region}（我市）企业"
    return [Condition("scope", label, passed, known, "enterprise.district", detail)]


# The facts the standing conditions read. Each measure of one case reads them from the same
# column objects (the case's shared enterprise columns, and small columns are shared by value),
# so the conditions are worked out once per case, not once per measure.
_STANDING_FACTS = (
    "district",
    "credit_division",
    "serious_discredit",
    "last_major_penalty_date",
    "last_penalty_date",
    "as_of",
)
# (date, rows, switch, the parameters and standing columns) -> (the conditions, the
# parameters they read in order)
_STANDING_MEMO: IdentityMemo[tuple[list[Condition], list[str]]] = IdentityMemo(256)
_STANDING_MEMO_ROWS = 64
# (date, rows, switch, the parameters and a case's shared column cache) -> (the conditions,
# the parameters they read in order)
_STANDING_BY_CASE: IdentityMemo[tuple[list[Condition], list[str]]] = IdentityMemo(256)


def enterprise_standing(f: Frame, p: ParamView, *, scope_switch: str) -> list[Condition]:
    """What every measure asks of the enterprise itself: of the policy's place (under the
    package's switch parameter, see in_scope), credit in order.

    The conditions depend only on the frame's standing columns (by identity: read-only shared
    columns) and the parameters at the date, so a hit reuses them; the parameters are still
    read through `p`, in the same order, so the measure cites exactly what it would.
    Only small frames (a calculator's cases) are memoised: an entry keeps its columns alive,
    and bulk columns of a million rows must not outlive their batch."""
    if f.n > _STANDING_MEMO_ROWS:
        return [*in_scope(f, p, switch=scope_switch), credit_in_good_standing(f, p)]
    # The frames of one case share their enterprise columns (one cache per case): when this
    # frame reads the standing facts from there, the case's first measure worked the answer
    # out and later ones find it by the cache's identity, without reading the twelve columns
    # and masks the general key below is made of (a tenth of a single case's time, profiled).
    shared = f.shared_by_case(_STANDING_FACTS)
    key = (p.when, f.n, scope_switch)
    if shared is not None:
        hit = _STANDING_BY_CASE.get(key, (p.params, shared))
        if hit is not None:
            for name in hit[1]:
                p.get(name)
            return list(hit[0])
    held: tuple[Any, ...] = (
        p.params,
        *(a for name in _STANDING_FACTS for a in (f.text(name), f.known(name))),
    )
    hit = _STANDING_MEMO.get(key, held)
    if hit is not None:
        for name in hit[1]:
            p.get(name)
        conditions, used = hit
    else:
        view = p.fork()
        conditions = [*in_scope(f, view, switch=scope_switch), credit_in_good_standing(f, view)]
        for name in view.used:
            p.get(name)
        used = list(view.used)
        _STANDING_MEMO.put(key, held, (conditions, used))
    if shared is not None:
        # this frame's standing columns are now in the case's cache (read above), so the
        # answer holds for the case's other frames of as many rows
        _STANDING_BY_CASE.put(key, (p.params, shared), (conditions, used))
    return list(conditions)


def percent_basis(label: str, rate: Fraction, base: IntArray, raw: IntArray) -> BasisFn:
    def basis(i: int) -> str:
        shown_base, shown_raw = format_yuan(int(base[i])), format_yuan(int(raw[i]))
        return f"{format_rate(rate)} × {label} {shown_base} = {shown_raw}"

    return basis


def fixed_basis(text: str, amount: int | IntArray) -> BasisFn:
    def basis(i: int) -> str:
        value = int(amount) if isinstance(amount, int) else int(amount[i])
        return f"{text} {format_yuan(value)}"

    return basis
