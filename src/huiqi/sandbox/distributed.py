"""The same simulation on Dask: one task per co-partition, each running `simulate_files`.

Tasks return a small `Summary` (aggregates, top firms), never rows; the client merges them
as they complete and releases each result, so the client's memory does not grow with the
number of firms and each worker holds one part at a time. Because `Summary.merge` is exact
and order-independent, the result equals the single-process result to the fen.

`cluster` is "local" (a LocalCluster of `workers` processes, one thread each: the engine is
numpy-bound, processes sidestep the GIL) or a scheduler address such as
tcp://10.0.0.5:8786. On a real cluster every worker must see the registry at the same path
(NFS, or an object store path understood by pyarrow) and have huiqi installed; see
docs/sandbox.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huiqi.screening.registry_screen import discover_parts

from .simulate import Run, Summary, simulate_files


def simulate_dask(
    run: Run,
    directory: Path,
    *,
    cluster: str = "local",
    workers: int = 2,
    advance: Callable[[int], None] | None = None,
) -> Summary:
    from dask.distributed import Client, LocalCluster, as_completed

    parts = discover_parts(directory)
    local = None
    if cluster == "local":
        local = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # a worker holds one part (~1M firms, < 2 GB); do not let Dask spill or pause it
            memory_limit=0,
        )
        client = Client(local)
    else:
        client = Client(cluster)
    try:
        futures = client.map(simulate_files, [run] * len(parts), parts, pure=False)
        total = Summary()
        for future in as_completed(futures):
            s = future.result()
            future.release()
            total.merge(s)
            if advance is not None:
                advance(s.cases)
        return total
    finally:
        client.close()
        if local is not None:
            local.close()
