"""What every lifecycle table shares: finding the row for (status, action), refusing with the
same words when there is none or the person may not take it, the rows a person may take now,
and the table as Markdown (each programme's docs show it exactly as the code holds it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from huiqi.platform.errors import ApiError, forbidden


class Transition(Protocol):
    @property
    def source(self) -> Any: ...
    @property
    def action(self) -> Any: ...
    @property
    def target(self) -> Any: ...
    @property
    def actors(self) -> tuple[Any, ...]: ...
    @property
    def audit(self) -> str: ...
    @property
    def guards(self) -> tuple[str, ...]: ...
    @property
    def label(self) -> str: ...


R = TypeVar("R", bound=Transition)


def find_rule(
    index: Mapping[tuple[Any, Any], R],
    source: Any,
    action: Any,
    *,
    noun: str,
    shown_status: str,
    action_zh: Mapping[Any, str],
) -> R:
    """The table's row for `action` from `source`, or 409 naming the record's status."""
    rule = index.get((source, action))
    if rule is None:
        raise ApiError(
            409,
            "wrong_status",
            f"{noun}当前状态为“{shown_status}”，不能{action_zh[action]}",
            "status",
        )
    return rule


def refuse_unless_actor(rule: Transition, mine: set[Any], actor_zh: Mapping[Any, str]) -> None:
    """403 naming who may take `rule`, unless `mine` (the person's actors) includes one."""
    if not mine & set(rule.actors):
        who = "、".join(actor_zh[a] for a in rule.actors)
        raise forbidden(f"“{rule.label}”只能由{who}办理")


def allowed_rules(table: tuple[R, ...], status: Any, mine: set[Any]) -> list[R]:
    """The rows a person acting as `mine` may take from `status`."""
    return [t for t in table if t.source == status and mine & set(t.actors)]


def transitions_markdown(
    table: tuple[Transition, ...] | list[Transition],
    *,
    status_zh: Callable[[Any], str],
    actor_zh: Mapping[Any, str],
    new_row: str,
    guards: Mapping[str, str] | None = None,
) -> str:
    """One row per transition; `new_row` names the source of a record that does not exist
    yet (e.g. "（新申报）"); `guards`, when given, adds the table of what each guard means."""
    lines = [
        "| 当前状态 | 操作 | 下一状态 | 谁可以办理 | 条件（守卫） | 审计动作 |",
        "|---|---|---|---|---|---|",
    ]
    for t in table:
        src = f"{status_zh(t.source)}（`{t.source}`）" if t.source else new_row
        who = "、".join(actor_zh[a] for a in t.actors)
        guard_list = "、".join(f"`{g}`" for g in t.guards) or "—"
        lines.append(
            f"| {src} | {t.label}（`{t.action}`） | {status_zh(t.target)}（`{t.target}`） "
            f"| {who} | {guard_list} | `{t.audit}` |"
        )
    if guards:
        lines += ["", "| 守卫 | 含义 |", "|---|---|"]
        lines += [f"| `{name}` | {text} |" for name, text in guards.items()]
    return "\n".join(lines)
