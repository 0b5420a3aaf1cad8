"""Run one command and write its wall time and peak RSS as JSON: ``measure_child.py OUT -- CMD…``.

Why a separate launcher: on Linux a forked child starts with its parent's RSS high-water
mark, and exec keeps it in ru_maxrss. Launched straight from the benchmark (which holds the
population and the reference in memory) every contender would "peak" at least at the
benchmark's own size. This launcher is small, so the floor it passes on is ~10 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    out, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, __doc__
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        json.dump({"exit": code, "wall": wall, "maxrss_kib": usage.ru_maxrss,
                   "cpu": usage.ru_utime + usage.ru_stime}, f)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
