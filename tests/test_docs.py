"""Docs are checked: the README's commands run, the files the docs name exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READ_ONLY = {"evaluate", "explain", "policy", "--help"}


def _commands(markdown: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)
    return [line.split("#")[0].strip() for b in blocks for line in b.splitlines() if line.strip()]


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"## Two commands.*?```bash\n(.*?)```", readme, flags=re.S)
    assert first_block is not None
    lines = [ln.split("#")[0].strip() for ln in first_block.group(1).splitlines() if ln.strip()]
    assert lines == ["scripts/run", "scripts/test"]
    assert "scripts/test" in (REPO / ".ci" / "run").read_text()


def test_readme_cli_examples_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    bindir = Path(sys.executable).parent
    ran = 0
    for cmd in _commands(readme):
        # read-only commands; the ones that write data (screen, population, simulate) are
        # exercised by their own tests
        if not cmd.startswith(".venv/bin/huiqi") or cmd.split()[1] not in READ_ONLY:
            continue
        args = shlex.split(cmd)
        args[0] = str(bindir / "huiqi")
        out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (cmd, out.stderr)
        ran += 1
    assert ran >= 5


def test_files_named_in_docs_exist() -> None:
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for path in re.findall(
            r"`((?:src|tests|docs|examples|scripts|benchmarks)/[^`\s]+)`",
            doc.read_text(encoding="utf-8"),
        ):
            target = path.rstrip("/").split("::")[0]
            if any(ch in target for ch in "*<>{"):
                continue
            assert (REPO / target).exists(), f"{doc.name} names {path}, which does not exist"
