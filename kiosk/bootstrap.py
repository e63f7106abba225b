"""Wire a Config into a running entrance: store (migrated), relays, card reader, pipeline.

The one place that turns configuration into objects, so `kiosk run`, the UI and the
benchmarks build the kiosk the same way. Device drivers are chosen by URL (real or sim://).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import devices
from kiosk.config import Config
from kiosk.domain.model import FacilityRule, Policy
from kiosk.entrance import EntrancePipeline, EntranceSettings, LockerBank
from kiosk.store import Store
from kiosk.store.run_lock import RunLock

log = logging.getLogger(__name__)
ALL_DAY = ((time(0), time(0)),)  # (t, t) is 24 hours in the domain's reading
# Longer than any pulse can take (60 s at most, plus the off's retries and timeouts).
PULSE_IN_FLIGHT_MAX = timedelta(minutes=5)


def policy_from(cfg: Config) -> Policy:
    a = cfg.access
    return Policy(zone=cfg.zone, anti_passback=timedelta(seconds=a.anti_passback_s),
                  track_exits=a.track_exits, stale_after=timedelta(hours=a.stale_after_h),
                  stale_action=a.stale_action)  # type: ignore[arg-type]


def facility_rule_from(cfg: Config) -> FacilityRule | None:
    """The rule [access] sets for this kiosk's facility, or None when it sets none."""
    a = cfg.access
    if not (a.opening_hours or a.closed_days or a.capacity):
        return None
    hours = dict(a.opening_hours) if a.opening_hours else dict.fromkeys(range(7), ALL_DAY)
    return FacilityRule(facility=cfg.kiosk.facility, hours=hours,
                        closed_days=frozenset(a.closed_days), capacity=a.capacity or None)


def apply_config_rule(store: Store, cfg: Config) -> None:
    """Config wins over central for its facility; removing it from config removes it here."""
    rule = facility_rule_from(cfg)
    with store.write() as tx:
        if rule is not None:
            tx.put_facility_rule(rule, "config")
        else:
            if tx.facility_rule_source(cfg.kiosk.facility) == "config":
                tx.delete_facility_rule(cfg.kiosk.facility)


@dataclass
class Kiosk:
    config: Config
    store: Store
    reader: devices.CardReader
    gate: devices.Relay
    pipeline: EntrancePipeline
    extra_relays: list[devices.Relay] = field(default_factory=list)
    run_lock: RunLock | None = None
    _started: bool = False

    @property
    def relays(self) -> list[devices.Relay]:
        return [self.gate, *self.extra_relays]

    def start(self) -> None:
        self.reader.start(self.pipeline.handle_tap)
        self._started = True

    def relays_off(self) -> None:
        """Switch every relay off now (a tap still in flight may switch one on again; stop()
        switches them off once more after the reader has stopped)."""
        for relay in self.relays:
            try:
                relay.all_off()
            except devices.DeviceError as exc:
                log.error("kiosk: could not switch %s off: %s", relay.url, exc)

    def stop(self) -> None:
        """Stop reading cards, switch every relay off, close everything. Safe to call twice."""
        with contextlib.suppress(devices.DeviceError):
            self.reader.stop()
        self.relays_off()
        for relay in self.relays:
            with contextlib.suppress(devices.DeviceError):
                relay.close()
        self.store.close()
        if self.run_lock is not None:
            self.run_lock.release()

    def health(self) -> dict[str, devices.Health]:
        out = {"card_reader": self.reader.health(), "relay": self.gate.health()}
        if not self.pipeline.health().is_ok:
            out["relay"] = self.pipeline.health()
        for i, relay in enumerate(self.extra_relays):
            out[f"locker_relay{i or ''}"] = relay.health()
        return out


def build(cfg: Config, *,
          open_card_reader: Callable[[str], devices.CardReader] = devices.open_card_reader,
          open_relay: Callable[[str], devices.Relay] = devices.open_relay) -> Kiosk:
    """Open everything a config names; on any failure close what was opened, then raise.

    Every relay is switched off as soon as it is open: a previous run that died mid-pulse
    (or a board that kept its state over a power cut) must not leave a turnstile open.
    """
    opened: list[Callable[[], None]] = []
    try:
        store = Store.open(cfg.data_path)
        opened.append(store.close)
        run_lock = RunLock.acquire(cfg.data_path)
        opened.append(run_lock.release)
        # Alone, every pending event is an orphan of a run that died mid-pulse; beside another
        # live run, only those too old to be one of its pulses in flight.
        store.recover_unconfirmed(
            None if run_lock.alone else datetime.now(UTC) - PULSE_IN_FLIGHT_MAX)
        apply_config_rule(store, cfg)
        gate = open_relay(cfg.devices.relay)
        opened.append(gate.close)
        gate.all_off()
        extra: list[devices.Relay] = []
        locker_relay = gate
        if cfg.lockers.channels and cfg.lockers.relay and cfg.lockers.relay != cfg.devices.relay:
            locker_relay = open_relay(cfg.lockers.relay)
            opened.append(locker_relay.close)
            locker_relay.all_off()
            extra.append(locker_relay)
        bank = LockerBank.from_config(cfg.lockers, locker_relay)
        with store.write() as tx:
            dropped = tx.configure_lockers(bank.lockers if bank else ())
        if dropped:
            log.warning("kiosk: locker(s) %s were removed from the config while assigned",
                        ", ".join(dropped))
        settings = EntranceSettings(facility=cfg.kiosk.facility, policy=policy_from(cfg),
                                    direction=cfg.kiosk.direction,
                                    gate_channel=cfg.gate.relay_channel, pulse_ms=cfg.gate.pulse_ms)
        pipeline = EntrancePipeline(store, gate, settings, bank)
        reader = open_card_reader(cfg.devices.card_reader)
    except BaseException:
        for close in reversed(opened):
            with contextlib.suppress(Exception):
                close()
        raise
    return Kiosk(cfg, store, reader, gate, pipeline, extra, run_lock)
