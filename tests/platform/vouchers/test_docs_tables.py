"""docs/programmes/vouchers.md shows both lifecycle tables exactly as the code has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from huiqi.platform.vouchers import lifecycle as lc

DOC = Path(__file__).resolve().parents[3] / "docs" / "programmes" / "vouchers.md"


@pytest.mark.parametrize(
    ("marker", "machine"), [("provider", lc.PROVIDER), ("voucher", lc.VOUCHER)]
)
def test_tables_in_docs(marker: str, machine: lc.Machine) -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"<!-- {marker}-table:start -->") + len(f"<!-- {marker}-table:start -->")
    end = text.index(f"<!-- {marker}-table:end -->")
    assert text[start:end].strip() == machine.markdown().strip()


def test_every_status_is_reached_and_named() -> None:
    for machine in (lc.PROVIDER, lc.VOUCHER):
        targets = {r.target for r in machine.rows}
        assert targets == set(machine.status_zh)
        assert {r.action for r in machine.rows} == set(machine.action_zh)


def test_docs_platform_links_here() -> None:
    platform = (DOC.parent.parent / "platform.md").read_text(encoding="utf-8")
    assert "programmes/vouchers.md" in platform
