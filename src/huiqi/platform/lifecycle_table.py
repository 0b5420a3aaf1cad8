"""The one lifecycle engine of the platform's programmes (applications, the 揭榜挂帅 board, the
供需对接 platform, 资源池 and 服务券).

A programme declares its table as data: rows of (from status, action) -> (to status, who may
act, guards, audit action), the Chinese names of its statuses, actions and actors, and who the
acting person is for a record. The engine does the rest, the same way for all of them:

- finds the row for (status, action), or refuses with 409 naming the record's status;
- refuses with 403 naming who may act, when the person is none of the row's actors;
- writes the new status (and the caller's other changes) and appends the row's audit entry,
  before and after, in the caller's transaction: no status changes without one;
- lists the rows a person may take now, which is all a page offers (nothing pre-ticked: the
  person picks one);
- renders the table as Markdown, which each programme's docs carry exactly (a test compares).

Guards are named on the rows and described beside the table. A guard the table can decide
from the record and the move's changes alone is given as a check (`guard_checks`), which
`move()` runs before writing anything: the engine refuses, with the check's own refusal (its
status, code, message and field) or a 409 naming the guard. The others are checked by the
service taking the action, since they need more of its input (budgets, scores, the calendar).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from huiqi.platform.audit.service import record as record_audit
from huiqi.platform.auth.principal import Principal
from huiqi.platform.errors import ApiError, forbidden

St = TypeVar("St", bound=str)  # a programme's status (a StrEnum, or plain strings)
Ac = TypeVar("Ac", bound=str)  # its actions
Who = TypeVar("Who", bound=str)  # its actors

Snapshot = Callable[[Any], dict[str, Any]]
# a guard's check: (the record, the move's changes) -> why it fails, in Chinese, or the refusal
# itself (an ApiError with its own status, code and field); None: it holds
GuardCheck = Callable[[Any, Mapping[str, Any]], str | ApiError | None]


@dataclass(frozen=True)
class Row(Generic[St, Ac, Who]):
    source: St | None  # None: the record does not exist yet
    action: Ac
    target: St
    actors: tuple[Who, ...]
    audit: str
    guards: tuple[str, ...] = ()
    label: str = ""  # the action's Chinese name; the Lifecycle fills it from its action names


@dataclass(frozen=True)
class Lifecycle(Generic[St, Ac, Who]):
    entity: str  # the audit trail's entity name for the records
    noun: str  # the record in the 409 ("申报当前状态为…"); "" says only "当前状态为…"
    new_row: str  # how the table shows the source of a record that does not exist yet
    status_zh: Mapping[str, str]
    action_zh: Mapping[str, str]
    # the actors' Chinese names; a callable when they come from the policy (read on first use)
    actor_names: Mapping[Who, str] | Callable[[], Mapping[Who, str]]
    rows: tuple[Row[St, Ac, Who], ...]
    guards: Mapping[str, str] = field(default_factory=dict)
    guards_in_docs: bool = False  # the Markdown adds the table of what each guard means
    guard_checks: Mapping[str, GuardCheck] = field(default_factory=dict)
    acting: Callable[[Principal, Any], set[Who]] | None = None  # who `p` is for a record
    snapshot: Snapshot | None = None  # the audit's before/after image of a record
    # called after the status is written (before: None when the record is new)
    on_move: Callable[[Session, dict[str, Any] | None, Any], None] | None = None
    # a programme's more precise 409 for some (status, action) pairs; None: the usual one
    status_refusal: Callable[[str | None, str], ApiError | None] | None = None
    # a programme's more precise 403, tried before the usual one naming the actors
    actor_refusal: Callable[[Principal, Row[St, Ac, Who], set[Who]], None] | None = None
    index: dict[tuple[str | None, str], Row[St, Ac, Who]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rows = tuple(replace(r, label=self.action_zh[r.action]) for r in self.rows)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "index", {(r.source, r.action): r for r in rows})
        if len(self.index) != len(rows):
            raise ValueError(f"{self.entity}: one row per (status, action)")
        unknown = ({g for r in rows for g in r.guards} | set(self.guard_checks)) - set(self.guards)
        if unknown:
            raise ValueError(f"{self.entity}: guards without a description: {sorted(unknown)}")

    # ---- reading the table ------------------------------------------------------------------

    def actor_zh(self) -> Mapping[Who, str]:
        names = self.actor_names
        return names() if callable(names) else names

    def status_label(self, status: str | None) -> str:
        return self.status_zh.get(status or "", status or self.new_row)

    def find(self, source: str | None, action: str) -> Row[St, Ac, Who] | None:
        return self.index.get((source, action))

    def allowed(self, status: str | None, mine: set[Who]) -> list[Row[St, Ac, Who]]:
        """The rows a person acting as `mine` may take from `status`, in table order."""
        return [r for r in self.rows if r.source == status and mine & set(r.actors)]

    def allowed_for(self, p: Principal, obj: Any) -> list[Row[St, Ac, Who]]:
        """What `p` may do next with `obj` (status and actor; the guards are checked when the
        action is taken, since they need its input)."""
        return self.allowed(obj.status, self.acts_as(p, obj))

    # ---- refusing -----------------------------------------------------------------------------

    def wrong_status(self, status: str | None, action: str) -> ApiError:
        """409: the record's status has no row for `action`."""
        special = self.status_refusal(status, action) if self.status_refusal else None
        if special is not None:
            return special
        return ApiError(
            409,
            "wrong_status",
            f"{self.noun}当前状态为“{self.status_label(status)}”，"
            f"不能{self.action_zh.get(action, action)}",
            "status",
        )

    def row_for(self, source: str | None, action: str) -> Row[St, Ac, Who]:
        """The row for `action` from `source`, or the 409 naming that status."""
        row = self.find(source, action)
        if row is None:
            raise self.wrong_status(source, action)
        return row

    def ensure_actor(self, p: Principal, row: Row[St, Ac, Who], mine: set[Who]) -> None:
        """403 naming who may take `row`, unless `mine` (the person's actors) includes one."""
        if mine & set(row.actors):
            return
        if self.actor_refusal is not None:
            self.actor_refusal(p, row, mine)
        names = self.actor_zh()
        raise forbidden(f"“{row.label}”只能由{'、'.join(names[a] for a in row.actors)}办理")

    def acts_as(self, p: Principal, obj: Any) -> set[Who]:
        if self.acting is None:
            raise TypeError(f"{self.entity}: the caller says who the person is (mine=)")
        return self.acting(p, obj)

    def check(
        self,
        p: Principal,
        obj: Any,
        action: str,
        *,
        new: bool = False,
        mine: set[Who] | None = None,
    ) -> Row[St, Ac, Who]:
        """The row for `obj`'s status and `action` if `p` may take it; else 409 or 403.
        `new`: the record is being created (it has no status yet)."""
        # a record being created has no status yet (a bulk writer's rows have no field at all)
        row = self.row_for(None if new else obj.status, action)
        self.ensure_actor(p, row, self.acts_as(p, obj) if mine is None else mine)
        return row

    def ensure_guards(self, row: Row[St, Ac, Who], obj: Any, changes: Mapping[str, Any]) -> None:
        """The refusal of the first of the row's guards whose check fails: the check's own, or
        409 naming the guard."""
        for name in row.guards:
            check = self.guard_checks.get(name)
            why = check(obj, changes) if check is not None else None
            if isinstance(why, ApiError):
                raise why
            if why is not None:
                raise ApiError(409, "guard_failed", f"不能{row.label}：{why}", name)

    # ---- moving -------------------------------------------------------------------------------

    def move(
        self,
        db: Session,
        obj: Any,
        p: Principal,
        action: str,
        *,
        new: bool = False,
        mine: set[Who] | None = None,
        before: dict[str, Any] | None = None,
        audit: str | None = None,
        extra: Mapping[str, Any] | None = None,
        snapshot: Snapshot | None = None,
        **changes: Any,
    ) -> Row[St, Ac, Who]:
        """Take `action`: check status and actor, write the new status (and `changes`) and the
        audit entry the row names (`audit` overrides it; `extra` joins the after-image). The
        caller holds the record's lock (or created it) and commits. `before` overrides the
        before-image when the caller changed fields first."""
        row = self.check(p, obj, action, new=new, mine=mine)
        self.ensure_guards(row, obj, changes)
        image = snapshot or self.snapshot
        if image is None:
            raise TypeError(f"{self.entity}: no snapshot for the audit entry")
        if before is None and not new:
            before = image(obj)
        obj.status = str(row.target)
        for key, value in changes.items():
            setattr(obj, key, value)
        if new:
            db.add(obj)
        db.flush()
        if self.on_move is not None:
            self.on_move(db, None if new else before, obj)
        after = image(obj) | dict(extra or {})
        record_audit(db, p, audit or row.audit, self.entity, obj.id, before, after)
        return row

    # ---- docs ---------------------------------------------------------------------------------

    def markdown(self) -> str:
        """One line per row; the guard column only when some row has guards, and the table of
        what each guard means when `guards_in_docs`."""
        with_guards = any(r.guards for r in self.rows)
        guard_head = ("条件（守卫）",) if with_guards else ()
        head = ("当前状态", "操作", "下一状态", "谁可以办理", *guard_head, "审计动作")
        lines = [_md_row(head), _md_row("---" for _ in head).replace(" ", "")]
        names = self.actor_zh()
        for r in self.rows:
            src = f"{self.status_label(r.source)}（`{r.source}`）" if r.source else self.new_row
            guard_cell = ("、".join(f"`{g}`" for g in r.guards) or "—",) if with_guards else ()
            lines.append(
                _md_row(
                    (
                        src,
                        f"{r.label}（`{r.action}`）",
                        f"{self.status_label(r.target)}（`{r.target}`）",
                        "、".join(names[a] for a in r.actors),
                        *guard_cell,
                        f"`{r.audit}`",
                    )
                )
            )
        if self.guards_in_docs:
            lines += ["", "| 守卫 | 含义 |", "|---|---|"]
            lines += [f"| `{name}` | {text} |" for name, text in self.guards.items()]
        return "\n".join(lines)


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"
