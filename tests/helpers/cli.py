"""The `huiqi` console script run as a user runs it, for the command tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "software-firm.json"


def huiqi(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("huiqi", path=str(Path(sys.executable).parent)) or "huiqi"
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=120)
