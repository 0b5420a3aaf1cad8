"""What each kind of job does. Handlers register here; the registry is filled on first use so
that the queue itself imports none of the domains that use it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from huiqi.platform.jobs.models import Job
    from huiqi.platform.jobs.runner import JobContext


def _nothing(_db: Session, _job: Job) -> None:
    return None


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str  # shown in pages: 免申即享、企业导入、批量筛查
    # does the work; ends by calling ctx.finish(...) inside its final write transaction
    run: Callable[[JobContext], None]
    # called in the transaction that marks the job failed or cancelled (e.g. to free the
    # campaign's measure-and-year slot)
    ended: Callable[[Session, Job], None] = field(default=_nothing)


_KINDS: dict[str, JobKind] = {}
# modules that call register(); imported on first lookup
HANDLER_MODULES = (
    "huiqi.platform.campaigns.jobs",
    "huiqi.platform.enterprises.importer",
    "huiqi.web.screening_jobs",
)


def register(kind: JobKind) -> JobKind:
    _KINDS[kind.name] = kind
    return kind


def load_all() -> None:
    """Import every handler (a worker does this at start, not inside its first job)."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def kind_of(name: str) -> JobKind:
    if name not in _KINDS:
        load_all()
    if name not in _KINDS:
        raise KeyError(f"unknown job kind {name!r}")
    return _KINDS[name]


def label_of(name: str) -> str:
    try:
        return kind_of(name).label
    except KeyError:
        return name
