"""Frame: the columnar table every formula runs on, one row per claim.

One enterprise and ten million take the same path: a single case becomes a Frame of a few
rows, a registry becomes a Frame of millions. Each column carries a `known` mask, because a
fact the applicant did not give is not the same as zero: it makes a condition fail *with the
reason that the fact is missing*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

EPOCH = dt.date(1970, 1, 1)


def date_to_days(d: dt.date) -> int:
    return (d - EPOCH).days


def days_to_date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def is_broadcast(column: npt.NDArray[Any]) -> bool:
    """A column of one value repeated without memory (Frame.constant, a bulk as_of): work on
    it can be done once and broadcast."""
    return column.size > 1 and column.strides == (0,)


def any_true(column: npt.NDArray[Any]) -> bool:
    """`column.any()`, once per value: on a broadcast column numpy would still visit every
    row of the view."""
    return bool(column[:1].any()) if is_broadcast(column) else bool(column.any())


def _once_if_constant(fn: Callable[[IntArray], IntArray], days: IntArray) -> IntArray:
    """Calendar arithmetic is costly per element; bulk columns such as as_of are constant."""
    if days.size > 1 and (is_broadcast(days) or bool((days == days[0]).all())):
        return np.broadcast_to(fn(days[:1])[:1], days.shape)
    return fn(days)


def add_years(days: IntArray, years: int) -> IntArray:
    """Same calendar date `years` later (29 Feb -> 28 Feb), vectorised over day numbers."""
    return _once_if_constant(lambda d: _add_years(d, years), days)


def _add_years(days: IntArray, years: int) -> IntArray:
    d64 = days.astype("datetime64[D]")
    y = d64.astype("datetime64[Y]")
    month_start = d64.astype("datetime64[M]")
    day_of_month = (d64 - month_start).astype(np.int64)
    month_of_year = (month_start - y.astype("datetime64[M]")).astype(np.int64)
    target_month = (y + np.timedelta64(years, "Y")).astype("datetime64[M]") + month_of_year
    next_month = target_month + np.timedelta64(1, "M")
    last_day = (next_month.astype("datetime64[D]") - target_month.astype("datetime64[D]")).astype(
        np.int64
    ) - 1
    out = target_month.astype("datetime64[D]") + np.minimum(day_of_month, last_day)
    result: IntArray = out.astype(np.int64)
    return result


def add_months(days: IntArray, months: int) -> IntArray:
    """Same day of the month `months` later (31 Mar - 1 month -> 28/29 Feb), vectorised."""
    return _once_if_constant(lambda d: _add_months(d, months), days)


def _add_months(days: IntArray, months: int) -> IntArray:
    d64 = days.astype("datetime64[D]")
    month_start = d64.astype("datetime64[M]")
    day_of_month = (d64 - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.timedelta64(months, "M")
    last_day = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64) - 1
    out = target.astype("datetime64[D]") + np.minimum(day_of_month, last_day)
    result: IntArray = out.astype(np.int64)
    return result


def year_of(days: IntArray) -> IntArray:
    return _once_if_constant(_year_of, days)


def _year_of(days: IntArray) -> IntArray:
    years: IntArray = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    return years + 1970


# read-only broadcast views, shared by every frame (see Frame.constant)
_CONSTANT_VIEWS: dict[tuple[Any, Any, int], npt.NDArray[Any]] = {}

_DTYPES = {"money": np.int64, "integer": np.int64, "date": np.int64, "flag": np.bool_}


# Small record columns by value: the rows of one case repeat the same few values (no prior
# award, no project) in every measure's frame, and building a numpy column costs ~3 µs
# (measured), several dict lookups' worth. Cached columns are read-only, so sharing is safe.
_SMALL = 4
_SMALL_COLUMNS: dict[tuple[str, tuple[Any, ...]], tuple[npt.NDArray[Any], BoolArray]] = {}


def _column(raw: list[Any], kind: str) -> tuple[npt.NDArray[Any], BoolArray]:
    """Python values (None = unknown) -> (numpy column, known mask)."""
    if len(raw) > _SMALL:
        return _build_column(raw, kind)
    key = (kind, tuple(raw))
    try:
        return _SMALL_COLUMNS[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value: build it, uncached
        return _build_column(raw, kind)
    column, known = _build_column(raw, kind)
    column.flags.writeable = False
    known.flags.writeable = False
    if len(_SMALL_COLUMNS) > 65_536:
        _SMALL_COLUMNS.clear()
    _SMALL_COLUMNS[key] = (column, known)
    return column, known


def _build_column(raw: list[Any], kind: str) -> tuple[npt.NDArray[Any], BoolArray]:
    known = np.array([v is not None for v in raw], dtype=np.bool_)
    if kind == "text":
        return np.array(raw, dtype=object), known
    if kind == "date":
        raw = [date_to_days(v) if v is not None else None for v in raw]
    fill = False if kind == "flag" else 0
    return np.array([fill if v is None else v for v in raw], dtype=_DTYPES[kind]), known


@dataclass
class Frame:
    """Named numpy columns of equal length, each with a known-mask.

    A frame built from records (the single-case path) materialises a column only when a
    formula first reads it: a measure reads a handful of the case's forty-odd facts, and
    building the others would cost more than evaluating the measure.
    """

    n: int
    values: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    known_masks: dict[str, BoolArray] = field(default_factory=dict)
    _records: Sequence[Mapping[str, Any]] = ()
    _kinds: Mapping[str, str] = field(default_factory=dict)
    # facts equal on every row (the enterprise's), and a cache of their columns shared by all
    # the frames of one case, so 24 measures do not rebuild the same column 24 times
    _constants: Mapping[str, Any] = field(default_factory=dict)
    _constant_columns: dict[tuple[str, int], tuple[npt.NDArray[Any], BoolArray]] = field(
        default_factory=dict
    )
    _keys: frozenset[str] | None = None  # every name some record gives, worked out once

    def put(self, name: str, values: npt.NDArray[Any], known: BoolArray | None = None) -> None:
        if len(values) != self.n:
            raise ValueError(f"column {name} has {len(values)} rows, frame has {self.n}")
        self.values[name] = values
        if known is not None:
            self.known_masks[name] = known

    def _record_keys(self) -> frozenset[str]:
        if self._keys is None:
            self._keys = frozenset().union(*self._records)
        return self._keys

    def _ensure(self, name: str) -> bool:
        if name in self.values:
            return True
        kind = self._kinds.get(name)
        if kind is None:
            return False
        if name in self._constants and name not in self._record_keys():
            key = (name, self.n)
            shared = self._constant_columns.get(key)
            if shared is None:
                column, known = _column([self._constants[name]] * self.n, kind)
                column.flags.writeable = False  # shared between frames: never edit in place
                shared = self._constant_columns[key] = (column, known)
            column, known = shared
        else:
            column, known = _column([r.get(name) for r in self._records], kind)
        # not through put: these columns have the frame's length by construction, and a case
        # materialises a dozen per measure
        self.values[name] = column
        self.known_masks[name] = known
        return True

    def shared_by_case(self, names: tuple[str, ...]) -> dict[tuple[str, int], Any] | None:
        """The case's shared column cache when each of `names` reads, in this frame, what every
        frame of the case reads: an enterprise fact no record names (its one shared column),
        or a fact the frame has no kind for (a constant). Else None (a record names it, or a
        column was put). Whatever is worked out from these columns alone then holds for every
        frame of the case with as many rows, and can be kept in the returned cache's owner."""
        if not self._constants:
            return None
        keys = self._record_keys()
        for name in names:
            column = self.values.get(name)
            if name in self._constants:
                if name in keys:
                    return None
                if column is not None:
                    shared = self._constant_columns.get((name, self.n))
                    if shared is None or shared[0] is not column:
                        return None
            elif column is not None or name in self._kinds:
                return None
        return self._constant_columns

    # The accessors below look in `values` first: a formula reads each column several times,
    # and for one case the lookup is most of the cost of reading it.
    def has(self, name: str) -> bool:
        return name in self.values or self._ensure(name)

    def known(self, name: str) -> BoolArray:
        if name not in self.values and not self._ensure(name):
            return self.constant(False, np.bool_)
        mask = self.known_masks.get(name)
        return self.constant(True, np.bool_) if mask is None else mask

    def _get(self, name: str, dtype: Any, fill: Any) -> npt.NDArray[Any]:
        column = self.values.get(name)
        if column is not None:
            return column
        if self._ensure(name):
            return self.values[name]
        return self.constant(fill, dtype)

    def constant(self, value: Any, dtype: Any) -> npt.NDArray[Any]:
        """A read-only column of one value that costs no memory (a broadcast view): absent
        facts and bulk constants such as as_of must not allocate ten million elements."""
        key = (value, dtype, self.n)
        column = _CONSTANT_VIEWS.get(key)
        if column is None:
            # cached: a single case asks for the same few constants hundreds of times, and
            # building a broadcast view costs more than the condition that reads it
            if len(_CONSTANT_VIEWS) > 4096:
                _CONSTANT_VIEWS.clear()
            column = np.broadcast_to(np.array(value, dtype=dtype), (self.n,))
            _CONSTANT_VIEWS[key] = column
        return column

    def put_constant(self, name: str, value: Any, dtype: Any) -> None:
        self.put(name, self.constant(value, dtype))

    def money(self, name: str) -> IntArray:
        """Integer fen."""
        return self._get(name, np.int64, 0)

    def integer(self, name: str) -> IntArray:
        return self._get(name, np.int64, 0)

    def date(self, name: str) -> IntArray:
        """Days since 1970-01-01."""
        return self._get(name, np.int64, 0)

    def flag(self, name: str) -> BoolArray:
        return self._get(name, np.bool_, False)

    def text(self, name: str) -> ObjArray:
        return self._get(name, object, None)

    @staticmethod
    def from_records(
        records: Sequence[Mapping[str, Any]],
        kinds: Mapping[str, str],
        constants: Mapping[str, Any] | None = None,
        constant_columns: dict[tuple[str, int], tuple[npt.NDArray[Any], BoolArray]] | None = None,
    ) -> Frame:
        """A frame over per-row dicts; a key absent or None in a record is unknown there.

        kinds: column -> one of money|integer|date|flag|text. Dates are datetime.date.
        constants: columns whose value is the same on every row (may be shared, with
        constant_columns, by the frames of one case).
        """
        return Frame(
            len(records),
            _records=records,
            _kinds=kinds,
            _constants=constants or {},
            _constant_columns=constant_columns if constant_columns is not None else {},
        )
