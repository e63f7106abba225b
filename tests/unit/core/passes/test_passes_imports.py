"""The kiosk imports lobby_core.passes to verify offline: it must need nothing but `cryptography`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import lobby_core.passes

PACKAGE = Path(lobby_core.passes.__file__).parent
SEPARATE = {"qr.py"}  # imported on its own by printing and the console


def test_modules_import_only_stdlib_cryptography_and_each_other() -> None:
    allowed = set(sys.stdlib_module_names) | {"cryptography"}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name in SEPARATE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"


def test_importing_the_package_pulls_in_no_server_code() -> None:
    # A fresh interpreter: what `import lobby_core.passes` loads, including central/__init__.py.
    probe = (
        "import sys, lobby_core.passes\n"
        "heavy = {'fastapi', 'starlette', 'sqlalchemy', 'uvicorn', 'jinja2', 'alembic', 'qrcode',"
        " 'argon2', 'psycopg', 'pydantic'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
