"""Diagnosis inside the running kiosk: device states from the devices it holds (no port is
opened twice), the last tap and scan it saw, relay read-back between passes."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import devices
from kiosk.config import Config
from lobby_core.diagnostics import Report

from ..gate import Gate
from .bundle import RecentLog, make_bundle
from .collect import diagnose
from .device_checks import DeviceState, DeviceStates, RelayState
from .make import PASS, check
from .standalone import relay_channels

if TYPE_CHECKING:
    from kiosk.store import Store

LIVE_GATE_WAIT_S = 2.0


class Activity:
    """When the last card tap and QR scan reached the kiosk (any outcome): a listener on
    the entrances; it only stores a time, never what was read."""

    def __init__(self) -> None:
        self.since = datetime.now(UTC)
        self.last_tap: datetime | None = None
        self.last_scan: datetime | None = None

    def tapped(self, _result: Any) -> None:
        self.last_tap = datetime.now(UTC)

    def scanned(self, _result: Any) -> None:
        self.last_scan = datetime.now(UTC)


@dataclass
class LiveParts:
    config: Config
    store: Store
    health: Callable[[], dict[str, devices.Health]]  # Kiosk.health: every device by name
    relays: list[devices.Relay]  # the gate's board first, then a separate lockers' board
    gate: Gate
    reader: devices.CardReader
    activity: Activity = field(default_factory=Activity)


class LiveDiagnostics:
    def __init__(self, parts: LiveParts) -> None:
        self.parts = parts
        self.recent_log = RecentLog()

    def attach_log(self) -> None:
        logging.getLogger().addHandler(self.recent_log)

    def detach_log(self) -> None:
        logging.getLogger().removeHandler(self.recent_log)

    def _relay_reader(self, relay: devices.Relay) -> Callable[[int], bool]:
        gate = self.parts.gate

        def read(channel: int) -> bool:
            answer = gate.when_idle(lambda: relay.read(channel), LIVE_GATE_WAIT_S)
            if answer is None:
                raise devices.DeviceError("a pass kept the gate busy; run diag again")
            return answer

        return read

    def states(self) -> DeviceStates:
        p, cfg = self.parts, self.parts.config
        h = p.health()
        d = cfg.devices
        relays: list[RelayState] = []
        for i, ((url, channels), relay) in enumerate(zip(relay_channels(cfg), p.relays,
                                                         strict=False)):
            key = "relay" if i == 0 else f"locker_relay{'' if i == 1 else i - 1}"
            relays.append(RelayState(url, h.get(key, relay.health()), channels,
                                     self._relay_reader(relay)))
        return DeviceStates(
            card_reader=DeviceState(d.card_reader, h["card_reader"], p.activity.last_tap,
                                    reader=str(getattr(p.reader, "reader_name", "") or "")),
            relays=relays,
            printer=DeviceState(d.printer, h["printer"]),
            qr_scanner=DeviceState(d.qr_scanner, h["qr_scanner"], p.activity.last_scan),
            id_reader=DeviceState(d.id_reader, h["id_reader"]),
            since=p.activity.since)

    def diagnose(self, *, central: bool = True) -> Report:
        process = check("kiosk.process", PASS, "kiosk.running", pid=os.getpid())
        return diagnose(self.parts.config, process=process, states=self.states(),
                        store=self.parts.store, running=True, central=central)

    def bundle(self) -> bytes:
        return make_bundle(self.parts.config, self.diagnose(), self.recent_log.text())
