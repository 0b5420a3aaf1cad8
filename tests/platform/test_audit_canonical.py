"""The audit chain's fast canonical form gives the very bytes of `canonical`, so the hashes
`record_many` computes are the ones `record` and `verify` compute."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huiqi.platform.audit.service import _canonical_bytes, _plain, canonical


def _same(obj: Any) -> None:
    assert _canonical_bytes(obj) == canonical(obj).encode()


def test_every_character_as_a_value_and_as_a_key() -> None:
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(chars), 4096):
        block = chars[start : start + 4096]
        _same(block)
        _same({c: i for i, c in enumerate(block)})  # key order across scripts and planes
        _same("".join(block))


def test_values_orjson_refuses_or_prints_otherwise_fall_back_to_json() -> None:
    for obj in (
        {"x": 0.1, "y": 1e16, "z": float("nan")},  # floats print differently: never fast
        {"n": 2**64, "m": -(2**63) - 1},  # beyond 64 bits: orjson refuses
        {1: "a", 2: "b"},  # keys that are not strings
        {"d": dt.date(2024, 1, 2), "t": dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.UTC)},
        {"money": Decimal("1.10")},
        {"t": (1, [True, None, {"k": "中"}])},
    ):
        _same(obj)
    # a lone surrogate has no UTF-8 form: neither way hashes it (record raises the same)
    for way in (_canonical_bytes, lambda o: canonical(o).encode()):
        with pytest.raises(UnicodeEncodeError):
            way({"s": "\ud800"})
    assert not _plain({"x": 0.5}) and not _plain({1: 1}) and _plain({"a": [1, "b", None]})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_value_gives_canonical_bytes(obj: Any) -> None:
    _same(obj)
