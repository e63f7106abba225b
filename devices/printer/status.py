"""Read an ESC/POS paper-sensor reply (DLE EOT 4) into a Health value."""

from __future__ import annotations

from devices.health import Health

# DLE EOT 4: "transmit paper sensor status". The printer answers one byte even when offline.
QUERY_PAPER = b"\x10\x04\x04"

_FIXED_MASK = 0x93  # bits 0, 1, 4 and 7 are fixed in every real-time status byte...
_FIXED_VALUE = 0x12  # ...as 0, 1, 1 and 0
_NEAR_END = 0x0C  # bits 2-3: roll near-end sensor
_PAPER_END = 0x60  # bits 5-6: roll end sensor


def paper_health(reply: bytes) -> Health | None:
    """Health from a reply to QUERY_PAPER; None when the printer did not answer at all.

    python-escpos's paper_status() reports "plenty of paper" on an empty reply, which would
    hide a printer that is switched off, so we read the byte ourselves.
    """
    if not reply:
        return None
    for byte in reply:
        if byte & _FIXED_MASK == _FIXED_VALUE:
            if byte & _PAPER_END:
                return Health.down("paper out")
            if byte & _NEAR_END:
                return Health.degraded("paper low")
            return Health.ok()
    return Health.degraded(f"unexpected status reply {reply[:4].hex(' ')}")
