"""The member entrance's pieces: the tap result, the locker bank, occupancy from the log.

The service itself (MemberEntrance) and the gate protocol live in kiosk.app.
"""

from __future__ import annotations

from .lockers import LockerBank
from .result import EntranceResult

__all__ = ["EntranceResult", "LockerBank"]
