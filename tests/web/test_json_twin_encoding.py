"""The JSON twin's encoder gives exactly what fastapi's jsonable_encoder gives, for the plain
rows pages are made of and for everything it hands on (decimals, enums, sets, models...)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from huiqi.web.render import jsonable


class Colour(enum.Enum):
    RED = "red"


class Row(BaseModel):
    at: dt.datetime
    fen: int


@dataclass
class Pair:
    left: int
    when: dt.date


def test_same_body_as_jsonable_encoder() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    body = {
        "page": "待审队列",
        "rows": [
            {"id": 1, "submitted_at": dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC),
             "date": dt.date(2024, 3, 1), "amount_fen": 123_456, "ok": True, "none": None,
             "ratio": 0.25, "tuple": (1, "二"), "_sa_instance_state": "hidden"},
            {"id": 2, "submitted_at": dt.datetime(2024, 3, 2, 8, tzinfo=beijing)},
        ],
        3: "int key",
        "decimal": Decimal("12.50"),
        "whole": Decimal("3"),
        "enum": Colour.RED,
        "set": {"a"},
        "model": Row(at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), fen=5),
        "dataclass": Pair(1, dt.date(2024, 1, 2)),
        "nested": {"deeper": [[{"x": dt.date(2023, 12, 31)}]]},
    }  # fmt: skip
    mine, theirs = jsonable(body), jsonable_encoder(body)
    assert mine == theirs
    assert mine["rows"][0]["submitted_at"] == "2024-03-01T09:30:00+00:00"
    assert "_sa_instance_state" not in mine["rows"][0]
    assert mine["decimal"] == 12.5 and mine["enum"] == "red" and mine["model"]["fen"] == 5
