"""docs/platform.md shows the lifecycle table exactly as the code has it."""

from __future__ import annotations

from pathlib import Path

from huiqi.platform.applications import lifecycle

DOC = Path(__file__).resolve().parents[2] / "docs" / "platform.md"


def test_docs_table_is_the_code_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- lifecycle-table:start -->") + len("<!-- lifecycle-table:start -->")
    end = text.index("<!-- lifecycle-table:end -->")
    assert text[start:end].strip() == lifecycle.LIFECYCLE.markdown().strip(), (
        "docs/platform.md is out of date: paste lifecycle.LIFECYCLE.markdown() between the markers"
    )


def test_every_status_is_reachable_and_named() -> None:
    assert {t.target for t in lifecycle.LIFECYCLE.rows} == set(lifecycle.Status)
    assert set(lifecycle.STATUS_ZH) == set(lifecycle.Status)
    assert {t.action for t in lifecycle.LIFECYCLE.rows} == set(lifecycle.Action)
