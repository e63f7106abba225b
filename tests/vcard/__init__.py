"""A virtual contactless card for vpcd: insert it into a "Virtual PCD" reader of pcscd.

vpcd (Debian `vsmartcard-vpcd`) adds PC/SC readers that listen on TCP; a card is
"inserted" by connecting to the reader's port and "removed" by closing the connection.
We speak that protocol ourselves because Debian's `vicc` is broken (see
shared/HARDWARE-TESTING.md).
"""

from .card import VPCD_HOST, VPCD_PORTS, VirtualCard
from .lock import StackBusy, pcsc_stack_lock

__all__ = ["VPCD_HOST", "VPCD_PORTS", "StackBusy", "VirtualCard", "pcsc_stack_lock"]
