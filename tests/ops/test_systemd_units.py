"""deploy/systemd: `systemd-analyze verify` accepts both units without a warning, and their
ExecStart lines are commands the `huiqi` CLI accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from huiqi.cli.main import main

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def exec_start(unit: Path) -> list[str]:
    line = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_units_verify_cleanly(tmp_path: Path) -> None:
    units = sorted(UNITS.glob("*.service"))
    assert [u.name for u in units] == ["huiqi-web.service", "huiqi-worker.service"]
    # verify checks that ExecStart's program exists: point it at an executable here
    program = tmp_path / "huiqi"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    copies = []
    for unit in units:
        text = unit.read_text().replace("/opt/huiqi/.venv/bin/huiqi", str(program))
        copy = tmp_path / unit.name
        copy.write_text(text)
        copies.append(str(copy))
    done = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", *copies], capture_output=True, text=True, timeout=120
    )
    # a misspelt directive is only a warning for systemd: any line about our units fails too
    ours = [ln for ln in done.stderr.splitlines() if "huiqi" in ln]
    assert done.returncode == 0 and ours == [], done.stderr


def test_exec_start_is_a_huiqi_command() -> None:
    for unit in sorted(UNITS.glob("*.service")):
        program, command, *args = exec_start(unit)
        assert program == "/opt/huiqi/.venv/bin/huiqi"
        # get_command, not .commands: subcommands needing the platform are loaded when used
        cmd = main.get_command(click.Context(main), command)
        assert cmd is not None, f"{unit.name}: huiqi has no command {command}"
        with click.Context(cmd) as ctx:
            cmd.parse_args(ctx, list(args))  # raises on an unknown option
        assert re.fullmatch(r"/var/lib/huiqi", _value(unit, "WorkingDirectory"))


def _value(unit: Path, key: str) -> str:
    return next(
        ln.split("=", 1)[1] for ln in unit.read_text().splitlines() if ln.startswith(f"{key}=")
    )
