"""Registry tables (Parquet) -> exact numpy columns, joined to the enterprise rows.

A registry is six tables, co-partitioned by enterprise (part i of every table holds the rows
of the same enterprises), so each part can be screened on its own, on any worker:

    enterprises   credit_code, district, industry, size, software_enterprise,
                  serious_discredit, last_penalty_date, [last_major_penalty_date],
                  [as_of], [fiscal_year]
    annual        credit_code, year, revenue, rd_expense
    recognitions  credit_code, kind, level, project, date
    projects      credit_code, id, kind, <the fields of every project kind>
    awards        credit_code, measure, project, fiscal_year, amount   (this policy, paid)
    other_awards  credit_code, policy, measure, project, amount, [status] (other policies)

One enterprise row is one case. A bad value in any table makes its case bad, exactly as one
bad field makes `huiqi evaluate` reject the whole case: the case is left out and every
problem is reported with table, file, row and field. No per-row Python on good data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from huiqi.rules.frame import date_to_days, is_broadcast
from huiqi.rules.policy import Policy

from .columns import RowProblems, credit_code_column, flag_column, money_column

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]
Col = tuple[npt.NDArray[Any], BoolArray]  # values, known

TABLES = ("enterprises", "annual", "recognitions", "projects", "awards", "other_awards")
REQUIRED = {
    "enterprises": ("credit_code",),
    "annual": ("credit_code", "year"),
    "recognitions": ("credit_code", "kind"),
    "projects": ("credit_code", "id", "kind"),
    "awards": ("credit_code", "measure", "amount"),
    "other_awards": ("credit_code", "policy", "measure", "amount"),
}
# Identity columns are carried beside the frames, never inside: no formula reads them and a
# column of ten million unique Python strings would cost more than all the rules together.
IDENTITY_FIELDS = ("name", "credit_code")
NO_DATE = np.iinfo(np.int64).min // 2  # a missing date sorts below every real one


@dataclass
class Problem:
    table: str
    row: int  # 1-based, within `source`
    field: str
    rule: str
    message: str
    source: str = ""


@dataclass
class Children:
    """Rows of a child table that belong to a good-or-bad case: `case` indexes enterprises."""

    case: IntArray
    row: IntArray  # row number in the table (0-based), for ordering ties like a case's list
    cols: dict[str, Col] = field(default_factory=dict)

    def take(self, mask: BoolArray) -> Children:
        return Children(
            self.case[mask],
            self.row[mask],
            {k: (v[mask], kn[mask]) for k, (v, kn) in self.cols.items()},
        )


@dataclass
class RegistryPart:
    """One co-partition of the registry, as exact columns aligned to its enterprise rows."""

    n: int
    codes: pa.Array  # credit_code per enterprise row (strings)
    facts: dict[str, Col]  # enterprise facts of the Frame (rows.enterprise_kinds), per case
    district: ObjArray
    bad: BoolArray  # cases left out (a bad value somewhere in their rows)
    recognitions: Children
    projects: Children
    awards: Children
    others: Children
    problems: list[Problem] = field(default_factory=list)

    @property
    def as_of(self) -> IntArray:
        return self.facts["as_of"][0]

    @cached_property
    def as_of_values(self) -> IntArray:
        """The distinct claim dates (usually one): parameters are read once per date."""
        days = self.as_of
        if days.strides == (0,) or len(days) == 0:
            # a flat file's one claim date is a broadcast view: no hash pass over its rows
            return np.unique(days[:1])
        return np.unique(days)

    @property
    def fiscal_year(self) -> IntArray:
        return self.facts["fiscal_year"][0]


# -- column helpers -----------------------------------------------------------------------


def _combine(arr: Any) -> pa.Array:
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _null_mask(arr: pa.Array) -> BoolArray:
    return np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)


def text_column(arr: pa.Array | None, n: int, *, empty_is_null: bool = False) -> Col:
    """Text -> object array built from the dictionary of distinct values (a few Python
    strings shared by millions of rows), stripped like the case parser strips."""
    if arr is None:
        return np.full(n, None, dtype=object), np.zeros(n, dtype=np.bool_)
    arr = _combine(arr)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    if empty_is_null:
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    enc = pc.dictionary_encode(arr)
    words = np.array([*enc.dictionary.to_pylist(), None], dtype=object)
    idx = enc.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)
    return words[idx], ~_null_mask(arr)


def integer_column(arr: pa.Array | None, n: int, name: str, problems: RowProblems) -> Col:
    if arr is None:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    arr = _combine(arr)
    known = ~_null_mask(arr)
    if pa.types.is_integer(arr.type):
        return arr.fill_null(0).to_numpy().astype(np.int64), known
    text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    ok = pc.match_substring_regex(text, r"^-?[0-9]+$").fill_null(False)
    ok_np = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=np.bool_)
    problems.mark(known & ~ok_np, name, "integer", f"{name} 应为整数")
    clean = pc.if_else(ok, text, pa.scalar(None, pa.string())).cast(pa.int64())
    return clean.fill_null(0).to_numpy().astype(np.int64), known & ok_np


def date_column(arr: pa.Array | None, n: int, name: str, problems: RowProblems) -> Col:
    """date32 / timestamp / ISO text -> days since 1970-01-01."""
    if arr is None:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    arr = _combine(arr)
    known = ~_null_mask(arr)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32())
    if not pa.types.is_date(arr.type):
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        iso = pc.match_substring_regex(text, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").fill_null(False)
        parsed = pc.strptime(
            pc.if_else(iso, text, pa.scalar(None, pa.string())), "%Y-%m-%d", "s", error_is_null=True
        )
        ok = np.asarray(parsed.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        problems.mark(
            known & ~ok, name, "date", f"{name} 日期无效（应为真实存在的日期，格式 YYYY-MM-DD）"
        )
        arr, known = parsed.cast(pa.date32()), known & ok
    days = arr.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    return days.astype(np.int64), known


def level_values(policy: Policy, kind: ObjArray, level: Col, problems: RowProblems) -> Col:
    """A recognition's level as the case parser reads it, as its ordinal (1-based): DCMM
    "3" -> 3, e-commerce "national" -> 2. Kinds without levels ignore the column."""
    n = len(kind)
    text, given = level
    ordinal = np.zeros(n, dtype=np.int64)
    known = np.zeros(n, dtype=np.bool_)
    for name, fk in policy.recognition_kinds.items():
        if not fk.levels:
            continue
        rows = kind == name
        if not rows.any():
            continue
        shown = "、".join(str(v) for v in fk.levels)
        missing = rows & ~given
        problems.mark(missing, "level", "required", f"{fk.title}需要填写等级")
        matched = np.zeros(n, dtype=np.bool_)
        for i, allowed in enumerate(fk.levels):
            hit = rows & (text == str(allowed))
            value = allowed if isinstance(allowed, int) else i + 1
            ordinal[hit] = value
            matched |= hit
        problems.mark(
            rows & ~missing & ~matched, "level", "level", f"{fk.title}的等级应为 {shown} 之一"
        )
        known |= matched
    return ordinal, known


def level_name_column(policy: Policy, kind: ObjArray, ordinal: IntArray, known: BoolArray) -> Col:
    names = np.full(len(kind), None, dtype=object)
    named = np.zeros(len(kind), dtype=np.bool_)
    for name in policy.recognition_kinds:
        rows = np.flatnonzero(kind == name)
        if len(rows):
            names[rows], named[rows] = level_names_of_kind(policy, name, ordinal[rows], known[rows])
    return names, named


def level_names_of_kind(policy: Policy, kind: str, ordinal: IntArray, known: BoolArray) -> Col:
    """The level names of rows that all hold one recognition kind: one table lookup, not a
    comparison per level."""
    fk = policy.recognition_kinds[kind]
    labels: dict[int, str] = {}
    for i, allowed in enumerate(fk.levels):
        label = fk.level_names.get(allowed)
        if label is not None:
            labels[allowed if isinstance(allowed, int) else i + 1] = label
    if not labels or len(ordinal) == 0:
        return np.full(len(ordinal), None, dtype=object), np.zeros(len(ordinal), dtype=np.bool_)
    table = np.full(max(max(labels), 0) + 2, None, dtype=object)  # last slot: out of range
    has = np.zeros(len(table), dtype=np.bool_)
    for value, label in labels.items():
        if value >= 0:
            table[value], has[value] = label, True
    pos = np.where(known & (ordinal >= 0) & (ordinal < len(table) - 1), ordinal, len(table) - 1)
    return table[pos], has[pos]


# -- joining child rows to cases ------------------------------------------------------------


class CaseIndex:
    """credit_code -> enterprise rows. Several rows may share a code (several fiscal years):
    a child row then belongs to each of them, as if copied into each case.

    All codes of the part (enterprises and every child table) are dictionary-encoded in ONE
    hash pass: the shared dictionary gives every table integer firm ids and every later join
    is integer work. (Looking up each child table against the enterprise codes separately
    rebuilt a hash table of a million strings per table; hashing the codes to uint64 and
    searching sorted arrays was slower still on this hardware, being random-access bound.)"""

    def __init__(self, codes: pa.Array, children: dict[str, pa.Array]) -> None:
        encoded = pc.dictionary_encode(pa.chunked_array([codes, *children.values()], pa.string()))
        ids = [c.indices.to_numpy(zero_copy_only=False).astype(np.int64) for c in encoded.chunks]
        self.ids = ids[0]  # firm id of each enterprise row
        width = int(self.ids.max()) + 1 if len(self.ids) else 0
        # ids are handed out in order of first appearance, so an id beyond the enterprises'
        # is a code no enterprise row has: an orphan
        self.child_ids = {
            k: np.where(v < width, v, -1) for k, v in zip(children, ids[1:], strict=True)
        }
        self.order = np.argsort(self.ids, kind="stable")
        self.counts = np.bincount(self.ids, minlength=width)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]])

    def duplicates(self, fiscal_year: IntArray) -> BoolArray:
        """Enterprise rows repeating an earlier row's (credit_code, fiscal_year)."""
        key = self.ids * 10_000 + fiscal_year
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), dtype=np.bool_)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        return dup

    def expand(self, table: str) -> tuple[IntArray, IntArray, BoolArray]:
        """(child row, case) pairs for every child row, and which child rows are orphans."""
        ids = self.child_ids[table]
        orphan = ids < 0
        safe = np.maximum(ids, 0)
        reps = np.where(orphan, 0, self.counts[safe] if len(self.counts) else 0)
        child = np.repeat(np.arange(len(ids), dtype=np.int64), reps)
        first = np.repeat(self.starts[safe] if len(self.starts) else safe, reps)
        within = np.arange(len(child), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
        return child, self.order[first + within].astype(np.int64), orphan


def check_required(table: str, names: list[str], source: str) -> list[Problem]:
    return [
        Problem(table, 0, c, "columns", f"{table} 表缺少列 {c}", source)
        for c in REQUIRED[table]
        if c not in names
    ]


def default_when(
    as_of_col: Col, fiscal_col: Col, policy: Policy, as_of: dt.date | None, fiscal: int | None
) -> tuple[IntArray, IntArray, BoolArray]:
    """Per-case as_of and fiscal_year: the table's columns where given, else the run's
    options; fiscal_year defaults as the case parser does (year of as_of - lag)."""
    days, known = as_of_col
    n = len(days)
    if as_of is not None:
        days = np.where(known, days, date_to_days(as_of))
        known = np.ones(n, dtype=np.bool_)
    fy, fy_known = fiscal_col
    if fiscal is not None:
        fy = np.where(fy_known, fy, fiscal)
        fy_known = np.ones(n, dtype=np.bool_)
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    lag = np.zeros(n, dtype=np.int64)
    for d in np.unique(days[known & ~fy_known]):
        when = dt.date(1970, 1, 1) + dt.timedelta(days=int(d))
        lag[days == d] = int(policy.parameter_at("interpretation.annual_fiscal_year_lag", when))
    fy = np.where(fy_known, fy, years - lag)
    return days, fy, known


def money(arr: pa.Array | None, n: int, name: str, problems: RowProblems) -> Col:
    if arr is None:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    return money_column(arr, name, problems)


def flag(arr: pa.Array | None, n: int, name: str, problems: RowProblems) -> Col:
    if arr is None:
        return np.zeros(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)
    return flag_column(arr, name, problems)


def typed(kind: str, arr: pa.Array | None, n: int, name: str, problems: RowProblems) -> Col:
    if kind == "money":
        return money(arr, n, name, problems)
    if kind == "date":
        return date_column(arr, n, name, problems)
    if kind == "flag":
        return flag(arr, n, name, problems)
    if kind == "integer":
        return integer_column(arr, n, name, problems)
    return text_column(arr, n)


def validate_codes(arr: pa.Array, problems: RowProblems) -> pa.Array:
    arr = _combine(arr)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    credit_code_column(arr, problems)
    return arr


def source_name(path: Path | None, table: str) -> str:
    return str(path) if path is not None else table


_NONE = np.array(None, dtype=object)  # compared elementwise with an object column


def pair_keys(cases: list[IntArray], projects: list[ObjArray | None]) -> list[IntArray]:
    """(case, project) pairs of several arrays -> int64 keys in one space (None = 0)."""
    if all(p is None or not np.not_equal(p[:1] if is_broadcast(p) else p, _NONE).any()
           for p in projects):  # fmt: skip
        # no project anywhere (a flat file, an enterprise measure): the key is the case, as
        # below with an empty dictionary, without converting Python objects through Arrow
        return [np.asarray(c, dtype=np.int64) for c in cases]
    sizes = [len(c) for c in cases]
    objs = [
        p if p is not None else np.full(s, None, object)
        for p, s in zip(projects, sizes, strict=True)
    ]
    allp = pa.array(np.concatenate(objs) if objs else [], type=pa.string())
    enc = pc.dictionary_encode(allp)
    code = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    width = len(enc.dictionary) + 1
    keys, start = [], 0
    for c, s in zip(cases, sizes, strict=True):
        keys.append(c * width + code[start : start + s])
        start += s
    return keys
