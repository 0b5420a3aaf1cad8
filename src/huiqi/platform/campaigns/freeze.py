"""Freezing a campaign's candidates: evaluate each candidate's case and serialise what is stored.

The evaluation is pure CPU (no database), so with many candidates it runs in two forked worker
processes — the machine's two cores — while this process reads the next batch's cases from the
database. Each batch comes back as JSON text already (the facts and the compact evaluation,
applications/frozen.py), which is what the bulk insert writes: serialised once, in the
workers, and never rebuilt as objects in this process.

Forking: the workers inherit the policy object (nothing is pickled but the cases and the
answers), touch no database connection, and end with `os._exit`. The inherited objects are
moved out of the garbage collector's reach first (`gc.freeze`), so no collection in a worker
can finalise a copy of a connection the parent is still using.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from huiqi.platform.bulk_insert import JsonText
from huiqi.platform.campaigns import bulk

# below this many candidates a worker pool costs more than it saves
PROCESS_THRESHOLD = 4000
PROCESSES = 2


@dataclass
class FrozenCase:
    """One case's evaluation of the campaign's measure, ready to be written."""

    status: str
    amount_fen: int | None
    evaluation: JsonText
    facts: JsonText


_policy: Any = None  # set in the parent just before forking; the workers inherit it


def _worker_start() -> None:
    # the job worker's own SIGTERM handler (stop after the current job) must not be a
    # freezing worker's: the pool ends its workers with SIGTERM, and they must then end
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def freeze_batch(
    cases: Sequence[dict[str, Any]], measure_id: str, projects: Sequence[int | None]
) -> list[FrozenCase]:
    """Evaluate a batch (in a worker or in this process) and serialise each answer."""
    rows = bulk.evaluate_rows(_policy, cases, measure_id, projects)
    return [
        FrozenCase(status, amount, JsonText(orjson.dumps(evaluation)), JsonText(orjson.dumps(case)))
        for case, (status, amount, evaluation) in zip(cases, rows, strict=True)
    ]


def freeze_all(
    policy: Any,
    measure_id: str,
    batches: Iterable[tuple[Sequence[dict[str, Any]], Sequence[int | None]]],
    total: int,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[list[FrozenCase]]:
    """The frozen cases of each batch, in order. `batches` yields (cases, project ids) and is
    consumed here, in this process (it reads the database); `on_batch(n)` after each batch."""
    global _policy
    _policy = policy
    processes = int(os.environ.get("HUIQI_CAMPAIGN_PROCESSES", PROCESSES))
    if total < PROCESS_THRESHOLD or processes < 2 or "fork" not in _start_methods():
        for cases, projects in batches:
            out = freeze_batch(cases, measure_id, projects)
            if on_batch is not None:
                on_batch(len(out))
            yield out
        return
    gc.collect()
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(processes, _worker_start) as pool:
            pending: deque[Any] = deque()
            for cases, projects in batches:
                pending.append(pool.apply_async(freeze_batch, (cases, measure_id, projects)))
                # one batch ahead per worker: this process reads while they evaluate
                while len(pending) > processes:
                    out = pending.popleft().get()
                    if on_batch is not None:
                        on_batch(len(out))
                    yield out
            while pending:
                out = pending.popleft().get()
                if on_batch is not None:
                    on_batch(len(out))
                yield out
    finally:
        gc.unfreeze()


def _start_methods() -> list[str]:
    return multiprocessing.get_all_start_methods()
