"""Cases built in code for tests of several packages."""

from __future__ import annotations

from typing import Any


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def software_case(revenue: int, rd: int | None, previous: int | None) -> dict[str, Any]:
    annual: dict[str, dict[str, str]] = {"2023": {"revenue": yuan(revenue)}}
    if rd is not None:
        annual["2023"]["rd_expense"] = yuan(rd)
    if previous is not None:
        annual["2022"] = {"revenue": yuan(previous)}
    return {
        "as_of": "2024-06-30",
        "fiscal_year": 2023,
        "enterprise": {"software_enterprise": True, "district": "江汉区"},
        "annual": annual,
    }
