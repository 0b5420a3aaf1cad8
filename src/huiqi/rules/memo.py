"""A bounded memo keyed by the identity of the objects a value was worked out from.

The rules core reuses work across measures by identity: a policy's parameter cache hands every
measure the same list objects, and the measures of one registry part share the same columns.
Hashing such objects (a million-row column) would cost more than the work saved, so the key is
their id(); the memo holds the objects themselves beside the value, so an id reused by a new
object after the old one died is never mistaken for it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values by (plain key, identities of `held`); cleared whole once it has `limit` entries,
    which keeps it bounded without bookkeeping on the hot path."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: dict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, key: Hashable, held: tuple[object, ...]) -> V | None:
        hit = self._entries.get((key, *map(id, held)))
        if hit is not None and all(a is b for a, b in zip(hit[0], held, strict=True)):
            return hit[1]
        return None

    def clear(self) -> None:
        self._entries.clear()

    def put(self, key: Hashable, held: tuple[object, ...], value: V) -> V:
        if len(self._entries) > self._limit:
            self._entries.clear()
        self._entries[(key, *map(id, held))] = (held, value)
        return value
