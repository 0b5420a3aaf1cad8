"""What each pytest-xdist worker (`pytest -n 2`: gw0, gw1, …) keeps to itself.

Two workers run tests at the same time against one PostgreSQL server and one loopback
interface. Schemas and databases made by tests carry random names already; what was shared is
the database those schemas live in (a whole-database ANALYZE, pg_trgm created on first
migration) and the ports servers started by tests listen on. Each worker gets a database of its
own, made at the start of its session and dropped at its end, and a block of ports of its own.
Without `-n` (or with `-n 0`) nothing changes: the URL as given, ports chosen by the kernel.
"""

from __future__ import annotations

import itertools
import os
import re
import socket

import sqlalchemy as sa

# Below the kernel's ephemeral range (32768-60999 here), so neither another worker nor an
# outgoing connection's local port lands in a worker's block.
_PORT_BASE = 20000
_PORT_BLOCK = 1000
_MAX_BLOCKS = 12
_next_port = itertools.count()


def worker_id() -> str | None:
    """ "gw0", "gw1", … inside an xdist worker; None in a plain (serial) run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return worker if worker and re.fullmatch(r"gw[0-9]+", worker) else None


def _worker_index() -> int | None:
    worker = worker_id()
    return int(worker[2:]) if worker else None


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts.

    The kernel's pick (bind to port 0) is free now, but two workers can be handed the same one
    between the check and the server's own bind; each worker therefore takes ports from its own
    block, in turn, so that a port just closed (TIME_WAIT) is not offered straight back.
    """
    index = _worker_index()
    if index is None or index >= _MAX_BLOCKS:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    start = _PORT_BASE + index * _PORT_BLOCK
    for _ in range(_PORT_BLOCK):
        port = start + next(_next_port) % _PORT_BLOCK
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}-{start + _PORT_BLOCK - 1}")


def worker_database_url(base_url: str) -> str:
    """`base_url` with the database `<name>_<worker>` (e.g. test_gw0), created empty now.

    A database left by an interrupted run of the same worker is dropped first. If the server
    cannot be reached the URL is returned unchanged and the PostgreSQL tests skip as before.
    """
    worker = worker_id()
    if worker is None:
        return base_url
    url = sa.engine.make_url(base_url)
    name = f"{url.database or 'postgres'}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        return base_url
    finally:
        admin.dispose()
    return str(url.set(database=name).render_as_string(hide_password=False))


def drop_worker_database(base_url: str, worker_url: str) -> None:
    """Drop the worker's database at the end of its session (connections left are ended)."""
    if worker_url == base_url:
        return
    name = sa.engine.make_url(worker_url).database
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except sa.exc.OperationalError:
        pass  # the server went away: nothing more to clean
    finally:
        admin.dispose()
