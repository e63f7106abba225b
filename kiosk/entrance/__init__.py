"""The member entrance: a card tap becomes a decision, a durable event and a relay pulse."""

from __future__ import annotations

from .lockers import LockerBank
from .pipeline import EntrancePipeline, EntranceSettings
from .result import EntranceResult

__all__ = ["EntrancePipeline", "EntranceResult", "EntranceSettings", "LockerBank"]
