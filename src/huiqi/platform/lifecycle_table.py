"""A lifecycle table as Markdown: each programme's docs show its table exactly as the code
holds it, and a test per programme keeps the two identical."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


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
