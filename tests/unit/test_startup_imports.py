"""The way to Home stays light: importing kiosk.bootstrap (what `kiosk run` needs before the
first frame) leaves the heavy libraries that only a later, rarer path needs unloaded, and
those paths still work when they load them themselves. Issue 11's cold-start and memory
targets depend on it (bench/bench_ui.py measures them; no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk.store import hosts

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""
# pypinyin: ~55 MB of phrase dictionaries, only for a host directory sync (pinyin initials).
LAZY = {"pypinyin"}


def _loaded_by(module: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


def test_importing_bootstrap_leaves_the_heavy_libraries_unloaded() -> None:
    loaded = _loaded_by("kiosk.bootstrap")
    assert "sqlalchemy" in loaded  # the probe sees what bootstrap does load
    assert not loaded & LAZY, loaded & LAZY


@pytest.mark.parametrize(("label", "expected"), [
    ("华润大厦 12楼", "hrds12l"),
    ("3-1201", "31201"),
    ("ACME 科技", "acmekj"),
    ("", ""),
])
def test_host_initials_load_pinyin_when_asked(label: str, expected: str) -> None:
    assert hosts.initials(label) == expected
