"""Versions a technician quotes on a call: the product, Python, pcscd and Kivy.

Kivy's version comes from the installed package's metadata: importing Kivy would open a
window system, and a headless kiosk may not have it at all.
"""

from __future__ import annotations

import functools
import platform
import re
import shutil
import subprocess
from importlib import metadata

from kiosk import __version__
from lobby_core.diagnostics import Check

from .make import PASS, check

NOT_INSTALLED = "not installed"


@functools.cache
def pcscd_version() -> str:
    """Asked once per process: the version does not change under a running kiosk."""
    # /usr/sbin is not on every user's PATH
    exe = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/usr/local/sbin")
    if exe is None:
        return NOT_INSTALLED
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=2,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    found = re.search(r"version\s+([\w.+~-]+?)\.?\s", out)
    return found.group(1) if found else "unknown"


def kivy_version() -> str:
    try:
        return metadata.version("kivy")
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def version_checks() -> list[Check]:
    return [check("versions.product", PASS, "versions.product", version=__version__),
            check("versions.python", PASS, "versions.python", version=platform.python_version()),
            check("versions.pcscd", PASS, "versions.pcscd", version=pcscd_version()),
            check("versions.kivy", PASS, "versions.kivy", version=kivy_version())]
