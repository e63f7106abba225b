"""Route modules hold no SQL: they call central.services, which alone build queries and open
sessions. Checked on the source (an AST walk), so a new query in a route fails here at once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import central

ROOT = Path(central.__file__).parent
ROUTE_MODULES = sorted(
    [*ROOT.glob("console/routes_*.py"), ROOT / "console/queries.py", ROOT / "api.py", ROOT / "auth_routes.py"]
)
# Building or running a statement, and reaching the database handle or its sessions.
SQL_CALLS = {"select", "insert", "update", "delete", "execute", "text"}
DB_ATTRIBUTES = {"db", "engine", "reading", "writing"}


def problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in SQL_CALLS:
                found.append(f"line {node.lineno}: {name}(...)")
        elif isinstance(node, ast.Attribute) and node.attr in DB_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_the_route_modules_are_all_checked() -> None:
    names = {p.name for p in ROUTE_MODULES}
    assert {"routes_visits.py", "routes_admin.py", "routes_auth.py", "routes_overdraws.py"} <= names
    assert all(p.is_file() for p in ROUTE_MODULES)


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_in_route_modules(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from sqlalchemy.orm import Session",
        "from sqlalchemy import select\nq = select(1)",
        "rows = s.execute(q)",
        "t = sa.text('SELECT 1')",
        "stmt = models.Visit.__table__.update()",
        "stmt = delete(Visit)",
        "stmt = insert(Visit)",
        "with central.db.reading() as s: pass",
        "engine = central.db.engine",
        "with db.writing() as s: pass",
    ],
)
def test_the_walk_finds_sql(source: str) -> None:
    assert problems(source) != []


def test_the_walk_leaves_service_calls_alone() -> None:
    assert problems("rows = visits.visit_log(central, f)\nmembers.delete_member(c, no)\n") == []
