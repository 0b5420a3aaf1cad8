"""Checking a campaign's verdicts case by case: the columnar evaluation of each candidate's case.

A campaign takes each candidate's verdict (status and amount) from the bulk screen; its facts
are the firm's case JSON. Where every candidate is checked (a small registry, or when the
sample checked one by one finds a difference), each case is evaluated again through the rules
core's batch path, which answers each case as a single evaluation does. That is pure CPU (no
database), so with many candidates it runs in two forked worker processes — the machine's two
cores.

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
from typing import Any

from huiqi.platform.campaigns import bulk

# below this many candidates a worker pool costs more than it saves
PROCESS_THRESHOLD = 4000
PROCESSES = 2


Verdict = tuple[str, int | None]  # status, amount in fen when eligible

_policy: Any = None  # set in the parent just before forking; the workers inherit it


def _worker_start() -> None:
    # the job worker's own SIGTERM handler (stop after the current job) must not be a
    # freezing worker's: the pool ends its workers with SIGTERM, and they must then end
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def freeze_batch(
    cases: Sequence[dict[str, Any]], measure_id: str, projects: Sequence[int | None]
) -> list[Verdict]:
    """Evaluate a batch (in a worker or in this process)."""
    return bulk.evaluate_rows(_policy, cases, measure_id, projects)


def freeze_all(
    policy: Any,
    measure_id: str,
    batches: Iterable[tuple[Sequence[dict[str, Any]], Sequence[int | None]]],
    total: int,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[list[Verdict]]:
    """The verdicts of each batch, in order. `batches` yields (cases, project ids) and is
    consumed here, in this process; `on_batch(n)` after each batch."""
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
                # one batch ahead per worker: this process prepares while they evaluate
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
