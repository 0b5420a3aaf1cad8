"""The 揭榜挂帅 lifecycle table: documented exactly as the code has it, every status reachable,
every move checked against its actors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from huiqi.platform.auth.service import Principal
from huiqi.platform.challenges import lifecycle
from huiqi.platform.challenges.lifecycle import Action, Status
from huiqi.platform.errors import ApiError

DOC = Path(__file__).resolve().parents[3] / "docs" / "programmes" / "challenges.md"
START, END = "<!-- challenges-table:start -->", "<!-- challenges-table:end -->"

FIRM = Principal(1, "enterprise1", "enterprise", enterprise_id=1)
OTHER_FIRM = Principal(2, "enterprise2", "enterprise", enterprise_id=2)
BOARD = Principal(3, "city_jx", "city_officer", units=("市经信局",))
OTHER_BUREAU = Principal(4, "city_kj", "city_officer", units=("市科技局",))


def bid(status: str) -> SimpleNamespace:
    return SimpleNamespace(status=status, lead_enterprise_id=1)


def test_docs_table_is_the_code_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index(START) + len(START) : text.index(END)]
    assert table.strip() == lifecycle.LIFECYCLE.markdown().strip()
    for guard in lifecycle.GUARDS:
        assert f"`{guard}`：" in text, guard


def test_every_status_is_reachable_and_named() -> None:
    assert {t.target for t in lifecycle.LIFECYCLE.rows} == set(Status)
    assert set(lifecycle.STATUS_ZH) == set(Status)
    assert {t.action for t in lifecycle.LIFECYCLE.rows} == set(Action)


def test_actors_and_statuses_are_checked() -> None:
    assert lifecycle.LIFECYCLE.check(FIRM, bid("bid"), Action.SUBMIT, new=True).target == Status.BID
    with pytest.raises(ApiError) as exc:
        lifecycle.LIFECYCLE.check(OTHER_FIRM, bid("in_progress"), Action.REPORT)
    assert exc.value.status == 403 and "牵头单位" in exc.value.errors[0]["message"]
    with pytest.raises(ApiError) as exc:
        lifecycle.LIFECYCLE.check(OTHER_BUREAU, bid("bid"), Action.SELECT)
    assert exc.value.status == 403
    with pytest.raises(ApiError) as exc:
        lifecycle.LIFECYCLE.check(BOARD, bid("passed"), Action.ASSESS_FAIL)
    assert exc.value.status == 409 and "考核认定实施成功" in exc.value.errors[0]["message"]
    assert [t.action for t in lifecycle.LIFECYCLE.allowed_for(BOARD, bid("bid"))] == [
        Action.SELECT,
        Action.NOT_SELECT,
    ]
    assert [t.action for t in lifecycle.LIFECYCLE.allowed_for(FIRM, bid("in_progress"))] == [
        Action.REPORT
    ]
    assert lifecycle.LIFECYCLE.allowed_for(OTHER_FIRM, bid("in_progress")) == []
