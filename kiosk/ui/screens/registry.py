"""The screen registry: each screen module registers its class; the app finds them all.

A screen is `kiosk/ui/screens/<name>.py` (a thin Screen subclass decorated with
`@register(NAME)`) beside `<name>.kv` (its layout). `discover()` imports every module in
this package, so a new screen needs no edit to a shared list (the visitor and keyboard
branches add files, not lines). Names other parts navigate to are constants here.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

HOME = "home"
MEMBER_RESULT = "member_result"
OUT_OF_SERVICE = "out_of_service"
TECHNICIAN = "technician"
DIAGNOSTICS = "diagnostics"
VISITOR = "visitor"  # the first visitor step (the visitor screens' own package registers it)
INVITATION = "invitation"  # "I have an invitation" (idem)

# Modules in this package that are not screens.
NOT_SCREENS = frozenset({"registry", "base"})

C = TypeVar("C", bound=type)


@dataclass(frozen=True)
class ScreenEntry:
    name: str
    factory: type
    kv: Path


_entries: dict[str, ScreenEntry] = {}


def register(name: str) -> Callable[[C], C]:
    def decorate(cls: C) -> C:
        module_file = getattr(sys.modules[cls.__module__], "__file__", None)
        if module_file is None:
            raise ValueError(f"screen {name!r}: {cls.__module__} has no file to find its .kv beside")
        kv = Path(module_file).with_suffix(".kv")
        old = _entries.get(name)
        if old is not None and old.factory.__qualname__ != cls.__qualname__:
            raise ValueError(f"screen name {name!r} is registered twice "
                             f"({old.factory.__module__} and {cls.__module__})")
        _entries[name] = ScreenEntry(name, cls, kv)
        return cls

    return decorate


def discover(package: str = "kiosk.ui.screens") -> list[ScreenEntry]:
    """Import every screen module of `package` (and its subpackages) and return the entries."""
    pkg = importlib.import_module(package)
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if info.name.rsplit(".", 1)[-1] not in NOT_SCREENS:
            importlib.import_module(info.name)
    return sorted(_entries.values(), key=lambda e: e.name)


def registered(name: str) -> bool:
    return name in _entries
