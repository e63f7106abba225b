"""What every ID card reader driver shares: delivering a card, and the words its health uses.

The serial driver and the sim both hand cards to the application through `_deliver` (health and
the callback itself live in devices.callback_device), so a failing callback, the log lines and
the health states are the same whichever is configured.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from devices.base import IdReader
from devices.callback_device import CallbackDevice
from devices.events import IdCard

log = logging.getLogger("devices.idcard")

# Health reasons the contract tests compare across drivers.
UNPLUGGED = "ID reader unplugged"
SILENT = "ID card module not answering"
BAD_FRAMES = "bad frames from the ID card module"


class BaseIdReader(CallbackDevice[IdCard], IdReader):
    _log: ClassVar[logging.Logger] = log
    _callback_name: ClassVar[str] = "on_card"

    def _deliver(self, card: IdCard) -> None:
        """Hand one card to on_card; runs on the reader's own thread."""
        if self._callback is None:
            return
        # str(card) is masked: the log never holds a whole ID number or name.
        log.info("%s: read %s", self.where, card)
        self._call_back(card, f" for {card}")
