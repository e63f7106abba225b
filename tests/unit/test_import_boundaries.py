"""The import graph's rules, checked on the source (AST), so a wrong import fails CI.

`lobby_core` is the bottom: it imports none of our other packages. `kiosk` and `central` are
siblings above it and never import each other. Hardware libraries stay inside `devices/`
(library exceptions are translated there). On the kiosk, SQL lives in `kiosk/store/` only:
elsewhere in `kiosk/` and in `backend_client/` nothing imports sqlite3 or SQLAlchemy or
builds SQL text. `backend_client` knows no kiosk schema and imports no `kiosk` module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("lobby_core", "kiosk", "central", "devices", "backend_client")
HARDWARE = {"smartcard", "serial", "pymodbus", "escpos", "usb"}
SQL_LIBS = {"sqlite3", "sqlalchemy", "alembic"}
# A string that starts like a statement is SQL being built by hand.
SQL_TEXT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|BEGIN|CREATE|DROP|ALTER|WITH)\s",
                      re.IGNORECASE)


def modules(package: str) -> list[Path]:
    found = sorted((ROOT / package).rglob("*.py"))
    assert found, f"no modules found under {ROOT / package}"  # a moved tree must not pass by being empty
    return found


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file (relative ones stay inside)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def sql_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
            and SQL_TEXT.match(n.value) and len(n.value.split()) > 1
            and not n.value.strip().endswith((".", ":"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


FORBIDDEN: dict[str, set[str]] = {
    "lobby_core": {"kiosk", "central", "devices", "backend_client"},
    "devices": {"kiosk", "central", "backend_client"},
    "backend_client": {"kiosk", "central", "devices"},
    "kiosk": {"central"},
    "central": {"kiosk", "devices", "backend_client"},
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downwards(package: str) -> None:
    bad = [f"{rel(p)} imports {sorted(imported_roots(p) & FORBIDDEN[package])}"
           for p in modules(package) if imported_roots(p) & FORBIDDEN[package]]
    assert bad == []


def test_hardware_libraries_only_inside_devices() -> None:
    bad = [f"{rel(p)} imports {sorted(imported_roots(p) & HARDWARE)}"
           for pkg in OURS if pkg != "devices" for p in modules(pkg)
           if imported_roots(p) & HARDWARE]
    assert bad == []


def _outside_store() -> Iterator[Path]:
    for pkg in ("kiosk", "backend_client"):
        for p in modules(pkg):
            if not rel(p).startswith("kiosk/store/"):
                yield p


def test_no_sql_library_outside_the_kiosk_store() -> None:
    bad = [f"{rel(p)} imports {sorted(imported_roots(p) & SQL_LIBS)}"
           for p in _outside_store() if imported_roots(p) & SQL_LIBS]
    assert bad == []


def test_no_sql_text_outside_the_kiosk_store() -> None:
    bad = [f"{rel(p)}: {s[:40]!r}" for p in _outside_store() for s in sql_strings(p)]
    assert bad == []


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    # The checker itself: an import, a from-import and a hand-built statement are all found.
    probe = tmp_path / "probe.py"
    probe.write_text('"""SELECT in a docstring is prose."""\nimport smartcard.System\n'
                     'from sqlalchemy import text\nQ = "SELECT uid FROM cards WHERE x = ?"\n')
    assert imported_roots(probe) == {"smartcard", "sqlalchemy"}
    assert sql_strings(probe) == ["SELECT uid FROM cards WHERE x = ?"]


# Inside the kiosk imports point down: UI and CLI -> app services -> store -> domain.
# `config` and the package root (__version__) are leaves anyone may read.
KIOSK_LAYERS: dict[str, int] = {
    "domain": 0, "store": 1, "entrance": 2, "sync": 2, "app": 3,
    "bootstrap": 4, "commands": 5, "cli": 5, "demo": 5, "ui": 5,
}


def kiosk_layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "kiosk" or len(parts) < 2:
        return None
    return KIOSK_LAYERS.get(parts[1])


def imported_modules(path: Path) -> set[str]:
    """Dotted names of every import, relative ones resolved against the file's package."""
    package = rel(path)[:-3].replace("/", ".").removesuffix(".__init__").split(".")
    if not path.name == "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_kiosk_layers_import_only_downwards() -> None:
    bad = []
    for p in modules("kiosk"):
        own = kiosk_layer(rel(p)[:-3].replace("/", "."))
        if own is None:
            continue
        for name in sorted(imported_modules(p)):
            theirs = kiosk_layer(name)
            if theirs is not None and theirs > own:
                bad.append(f"{rel(p)} imports {name}")
    assert bad == []


def test_layer_check_resolves_relative_imports() -> None:
    store_module = ROOT / "kiosk" / "store" / "store.py"
    assert any(n.startswith("kiosk.store.") for n in imported_modules(store_module))
    assert kiosk_layer("kiosk.app.gate") == 3 and kiosk_layer("kiosk.domain.access") == 0


# The touchscreen talks only to the application services on the Kiosk it is given: never to
# the store, devices, the HTTP client or sync (nor to bootstrap, which hands it the Kiosk).
UI_MAY_IMPORT_OF_OURS = ("kiosk.app", "kiosk.domain", "kiosk.config", "kiosk.ui", "lobby_core")


def ui_forbidden(names: set[str]) -> list[str]:
    """The modules of ours in `names` that the UI may not import."""
    return sorted(n for n in names if n.split(".")[0] in OURS
                  and not any(n == ok or n.startswith(ok + ".") for ok in UI_MAY_IMPORT_OF_OURS))


def test_ui_imports_only_services_domain_config_and_lobby_core() -> None:
    bad = [f"{rel(p)} imports {n}" for p in modules("kiosk/ui") for n in ui_forbidden(imported_modules(p))]
    assert bad == []


def test_ui_check_catches_store_devices_sync_and_bootstrap() -> None:
    names = {"kiosk.store", "kiosk.store.Store", "devices", "kiosk.sync.worker", "kiosk.bootstrap",
             "backend_client.client", "kiosk.app.gate", "kiosk.ui.i18n", "lobby_core.masking",
             "kivy.app", "kiosk.applesauce"}
    assert ui_forbidden(names) == ["backend_client.client", "devices", "kiosk.applesauce",
                                   "kiosk.bootstrap", "kiosk.store", "kiosk.store.Store",
                                   "kiosk.sync.worker"]
