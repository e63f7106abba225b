"""Where running sim:// devices register by name, so tests and the demo can drive them.

`sim://?name=gate` registers under "gate" (default "default"); a test then calls
`simhub.get("card_reader", "gate").tap("04A1B2C3")`; kinds are "card_reader", "relay",
"printer", "scanner" and "id_reader".
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_devices: dict[tuple[str, str], Any] = {}


def register(kind: str, name: str, device: Any) -> None:
    with _lock:
        _devices[(kind, name)] = device


def unregister(kind: str, name: str, device: Any) -> None:
    with _lock:
        if _devices.get((kind, name)) is device:
            del _devices[(kind, name)]


def get(kind: str, name: str = "default") -> Any:
    with _lock:
        try:
            return _devices[(kind, name)]
        except KeyError:
            raise LookupError(f"no sim {kind} named {name!r} is open") from None
