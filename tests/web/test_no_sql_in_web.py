"""The pages read and write through the platform's services: no module under src/huiqi/web
imports SQLAlchemy or runs a query itself (`.execute(`, `.scalars(`, `.scalar(`)."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "huiqi" / "web"
QUERY_CALLS = {"execute", "scalars", "scalar"}


def sql_in(path: Path) -> list[str]:
    """Each SQLAlchemy import and query call in a module, as "file:line what"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in QUERY_CALLS:
                found.append(f"{path.name}:{node.lineno} .{node.func.attr}(")
            continue
        else:
            continue
        found += [f"{path.name}:{node.lineno} import {n}" for n in names if _is_sqlalchemy(n)]
    return found


def _is_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def test_no_sql_in_web_modules() -> None:
    modules = sorted(WEB.rglob("*.py"))
    assert len(modules) > 10  # the walk found the pages
    found = [hit for m in modules for hit in sql_in(m)]
    assert found == [], "queries belong in the platform's service.py:\n" + "\n".join(found)


def test_the_check_sees_queries(tmp_path: Path) -> None:
    """The checker itself finds each form of a query (so a passing walk means something)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy\n"
        "from sqlalchemy.orm import Session\n"
        "def f(db):\n"
        "    db.execute(1)\n"
        "    return db.scalars(2), db.scalar(3)\n",
        encoding="utf-8",
    )
    kinds = [hit.split(" ", 1)[1] for hit in sql_in(sample)]
    assert sorted(kinds) == sorted(
        ["import sqlalchemy", "import sqlalchemy.orm", ".execute(", ".scalars(", ".scalar("]
    )
