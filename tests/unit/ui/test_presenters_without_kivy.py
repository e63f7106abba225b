"""Presenters, i18n and the adapter are plain Python: importing them loads no Kivy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_presenters_import_no_kivy() -> None:
    code = ("import sys, pkgutil, importlib, kiosk.ui.presenters as p\n"
            "for m in pkgutil.iter_modules(p.__path__):\n"
            "    importlib.import_module(f'kiosk.ui.presenters.{m.name}')\n"
            "import kiosk.ui.i18n, kiosk.ui.adapter, kiosk.ui.fonts, kiosk.ui.ports\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] == 'kivy'))\n"
            "print(len([n for n in sys.modules if n.startswith('kiosk.ui.presenters.')]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout.split("\n")
    assert out[0] == "[]"
    assert int(out[1]) >= 6  # the check really imported the presenters
