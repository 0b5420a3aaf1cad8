"""The lifecycle engine on a small table of its own: a wrong status (409), a wrong actor (403
naming who may act), a failing guard, the move with its audit entry, the rows a person may
take now, and the Markdown table. Every programme's lifecycle is this engine with its table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from huiqi.platform.audit.models import AuditEntry, AuditHead
from huiqi.platform.auth.principal import Principal
from huiqi.platform.errors import ApiError
from huiqi.platform.lifecycle_table import Lifecycle, Row


class Status(StrEnum):
    FILED = "filed"
    PASSED = "passed"
    REFUSED = "refused"


class Action(StrEnum):
    FILE = "file"
    PASS = "pass"
    REFUSE = "refuse"


class Actor(StrEnum):
    FIRM = "firm"
    OFFICER = "officer"


class _Base(DeclarativeBase):
    pass


class Filing(_Base):
    """A record of a programme that exists only in this test."""

    __tablename__ = "lifecycle_engine_filing"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    firm: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")


def _acting(p: Principal, filing: Any) -> set[Actor]:
    if p.role == "enterprise" and p.enterprise_id == filing.firm:
        return {Actor.FIRM}
    return {Actor.OFFICER} if p.role == "city_officer" else set()


def _reason_given(filing: Any, changes: Mapping[str, Any]) -> str | None:
    return None if str(changes.get("reason", "")).strip() else "须写明理由"


def _snapshot(filing: Any) -> dict[str, Any]:
    return {"status": filing.status, "reason": filing.reason}


T = Row[Status, Action, Actor]
ROWS = (
    T(None, Action.FILE, Status.FILED, (Actor.FIRM,), "filing.file"),
    T(Status.FILED, Action.PASS, Status.PASSED, (Actor.OFFICER,), "filing.pass"),
    T(Status.FILED, Action.REFUSE, Status.REFUSED, (Actor.OFFICER,), "filing.refuse",
      ("reason_required",)),
)  # fmt: skip
TABLE: Lifecycle[Status, Action, Actor] = Lifecycle(
    entity="filing",
    noun="登记",
    new_row="（新登记）",
    status_zh={Status.FILED: "待审核", Status.PASSED: "已通过", Status.REFUSED: "不予通过"},
    action_zh={Action.FILE: "提交登记", Action.PASS: "审核通过", Action.REFUSE: "不予通过"},
    actor_names=lambda: {Actor.FIRM: "登记企业", Actor.OFFICER: "审核员"},
    rows=ROWS,
    guards={"reason_required": "不予通过须写明理由"},
    guard_checks={"reason_required": _reason_given},
    acting=_acting,
    snapshot=_snapshot,
)

FIRM = Principal(1, "firm1", "enterprise", enterprise_id=7)
OTHER_FIRM = Principal(2, "firm2", "enterprise", enterprise_id=8)
OFFICER = Principal(3, "officer", "city_officer", units=("某局",))


@pytest.fixture
def db() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    for model in (AuditEntry, AuditHead):
        model.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _filed(db: Session) -> Filing:
    filing = Filing(firm=7)
    TABLE.move(db, filing, FIRM, Action.FILE, new=True)
    return filing


def _said(err: ApiError) -> tuple[int, str, str]:
    """(HTTP status, rule, message) of a refusal."""
    first = err.errors[0]
    return err.status, first["rule"], first["message"]


def _trail(db: Session) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_move_writes_status_and_its_audit_entry(db: Session) -> None:
    filing = _filed(db)
    row = TABLE.move(db, filing, OFFICER, Action.PASS)
    assert row.target == Status.PASSED and filing.status == "passed"
    created, passed = _trail(db)
    assert (created.action, created.entity, created.before) == ("filing.file", "filing", None)
    assert created.after == {"status": "filed", "reason": ""}
    assert (passed.action, passed.actor, passed.entity_id) == ("filing.pass", "officer", "1")
    assert passed.before == {"status": "filed", "reason": ""}
    assert passed.after == {"status": "passed", "reason": ""}


def test_wrong_status_is_409_naming_the_status(db: Session) -> None:
    filing = _filed(db)
    TABLE.move(db, filing, OFFICER, Action.PASS)
    with pytest.raises(ApiError) as err:
        TABLE.move(db, filing, OFFICER, Action.REFUSE, reason="迟交")
    assert _said(err.value) == (409, "wrong_status", "登记当前状态为“已通过”，不能不予通过")
    assert filing.status == "passed" and len(_trail(db)) == 2  # nothing written


def test_wrong_actor_is_403_naming_who_may_act(db: Session) -> None:
    filing = _filed(db)
    for who in (FIRM, OTHER_FIRM):
        with pytest.raises(ApiError) as err:
            TABLE.move(db, filing, who, Action.PASS)
        assert _said(err.value)[::2] == (403, "“审核通过”只能由审核员办理")
    with pytest.raises(ApiError) as err:
        TABLE.move(db, Filing(firm=7), OFFICER, Action.FILE, new=True)
    assert _said(err.value)[2] == "“提交登记”只能由登记企业办理"
    assert filing.status == "filed" and len(_trail(db)) == 1


def test_failing_guard_refuses_before_anything_is_written(db: Session) -> None:
    filing = _filed(db)
    with pytest.raises(ApiError) as err:
        TABLE.move(db, filing, OFFICER, Action.REFUSE, reason="  ")
    assert _said(err.value) == (409, "guard_failed", "不能不予通过：须写明理由")
    assert filing.status == "filed" and filing.reason == "" and len(_trail(db)) == 1
    TABLE.move(db, filing, OFFICER, Action.REFUSE, reason="材料不全")
    assert filing.status == "refused" and _trail(db)[-1].after["reason"] == "材料不全"


def test_a_guard_check_may_give_the_refusal_itself(db: Session) -> None:
    """A programme whose services always refused with their own status, rule and field keeps
    them when the engine checks the guard: the check returns the ApiError, the engine raises it."""

    def own_refusal(filing: Any, changes: Mapping[str, Any]) -> ApiError | None:
        if str(changes.get("reason", "")).strip():
            return None
        return ApiError(422, "reason_required", "不予通过须写明理由", "reason")

    table = replace_checks(TABLE, {"reason_required": own_refusal})
    filing = _filed(db)
    with pytest.raises(ApiError) as err:
        table.move(db, filing, OFFICER, Action.REFUSE, reason="")
    assert _said(err.value) == (422, "reason_required", "不予通过须写明理由")
    assert err.value.errors[0]["path"] == "reason"
    assert filing.status == "filed" and len(_trail(db)) == 1
    table.move(db, filing, OFFICER, Action.REFUSE, reason="材料不全")
    assert filing.status == "refused"


def replace_checks(
    table: Lifecycle[Status, Action, Actor], checks: Mapping[str, Any]
) -> Lifecycle[Status, Action, Actor]:
    return Lifecycle(
        entity=table.entity, noun=table.noun, new_row=table.new_row, status_zh=table.status_zh,
        action_zh=table.action_zh, actor_names=table.actor_names, rows=table.rows,
        guards=table.guards, guard_checks=checks, acting=table.acting, snapshot=table.snapshot,
    )  # fmt: skip


def test_allowed_rows_are_status_and_actor(db: Session) -> None:
    filing = _filed(db)
    assert [r.action for r in TABLE.allowed_for(OFFICER, filing)] == [Action.PASS, Action.REFUSE]
    assert [r.label for r in TABLE.allowed_for(OFFICER, filing)] == ["审核通过", "不予通过"]
    assert TABLE.allowed_for(FIRM, filing) == []
    assert TABLE.allowed_for(OTHER_FIRM, filing) == []
    TABLE.move(db, filing, OFFICER, Action.PASS)
    assert TABLE.allowed_for(OFFICER, filing) == []  # a final status offers nothing


def test_programme_refusals_take_precedence() -> None:
    def decided(status: str | None, action: str) -> ApiError | None:
        return ApiError(409, "after_decision", "已作出决定") if status == "passed" else None

    def own_desk(p: Principal, row: T, mine: set[Actor]) -> None:
        raise ApiError(403, "forbidden", f"“{row.label}”：只能办理本单位的登记")

    special = Lifecycle(
        entity="filing", noun="登记", new_row="（新登记）", status_zh=TABLE.status_zh,
        action_zh=TABLE.action_zh, actor_names=TABLE.actor_zh(), rows=TABLE.rows,
        guards=TABLE.guards, acting=_acting, status_refusal=decided, actor_refusal=own_desk,
    )  # fmt: skip
    passed, filed = Filing(firm=7, status="passed"), Filing(firm=7, status="filed")
    assert _said(special.wrong_status("passed", Action.REFUSE))[1] == "after_decision"
    assert _said(special.wrong_status("refused", Action.REFUSE))[1] == "wrong_status"
    with pytest.raises(ApiError, match="只能办理本单位"):
        special.check(FIRM, filed, Action.PASS)
    with pytest.raises(ApiError, match="已作出决定"):
        special.check(OFFICER, passed, Action.PASS)


def test_table_rules_are_checked_when_declared() -> None:
    rows = (*TABLE.rows, T(Status.FILED, Action.PASS, Status.REFUSED, (Actor.OFFICER,), "x"))
    with pytest.raises(ValueError, match="one row per"):
        Lifecycle(entity="f", noun="", new_row="", status_zh={}, action_zh=TABLE.action_zh,
                  actor_names={}, rows=rows)  # fmt: skip
    with pytest.raises(ValueError, match="guards without a description"):
        Lifecycle(entity="f", noun="", new_row="", status_zh={}, action_zh=TABLE.action_zh,
                  actor_names={}, rows=TABLE.rows, guards={"other": "…"})  # fmt: skip


def test_markdown_has_the_guard_column_only_when_rows_have_guards() -> None:
    lines = TABLE.markdown().splitlines()
    assert lines[0] == "| 当前状态 | 操作 | 下一状态 | 谁可以办理 | 条件（守卫） | 审计动作 |"
    assert (
        lines[2]
        == "| （新登记） | 提交登记（`file`） | 待审核（`filed`） | 登记企业 | — | `filing.file` |"
    )
    assert lines[4].endswith("| 审核员 | `reason_required` | `filing.refuse` |")
    plain = Lifecycle(
        entity="f", noun="", new_row="（新记录）", status_zh=TABLE.status_zh,
        action_zh=TABLE.action_zh, actor_names=TABLE.actor_zh(), rows=TABLE.rows[:2],
    )  # fmt: skip
    assert plain.markdown().splitlines()[:2] == [
        "| 当前状态 | 操作 | 下一状态 | 谁可以办理 | 审计动作 |",
        "|---|---|---|---|---|",
    ]
