"""lobby_core imports neither side: not kiosk, central, devices nor backend_client."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lobby_core

ROOT = Path(lobby_core.__file__).parent
FORBIDDEN = {"kiosk", "central", "devices", "backend_client"}
MODULES = sorted(
    ".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in ROOT.rglob("*.py")
)


def _absolute_imports(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add((node.module or "").split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_names_a_side(path: Path) -> None:
    assert not _absolute_imports(path) & FORBIDDEN


def test_the_walk_sees_the_modules() -> None:
    assert {"lobby_core", "lobby_core.masking", "lobby_core.uid", "lobby_core.passes"} <= set(MODULES)


_PROBE = """
import importlib, json, sys
before = set(sys.modules)
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def _loaded_by(module: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", MODULES)
def test_importing_loads_no_side(module: str) -> None:
    assert not _loaded_by(module) & FORBIDDEN


def test_passes_pull_in_nothing_but_cryptography() -> None:
    third_party = _loaded_by("lobby_core.passes") - set(sys.stdlib_module_names) - {"lobby_core"}
    # cryptography's compiled bindings load as _cffi_backend and _openssl.
    assert third_party <= {"cryptography", "_cffi_backend", "_openssl"}, third_party
    assert "cryptography" in third_party
