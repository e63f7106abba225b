"""The composition root: a Config becomes one typed Kiosk (devices, store, sync, services).

The one place that turns configuration into objects, so `kiosk run`, the UI and the
benchmarks build the kiosk the same way. Device drivers are chosen by URL (real or sim://).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Generic, TypeVar

import devices
from kiosk.app import (
    DeskSettings,
    EntranceSettings,
    Gate,
    MemberEntrance,
    PassEntrance,
    PassSettings,
    VisitorDesk,
)
from kiosk.app.diagnostics.actions import RemoteActions
from kiosk.app.diagnostics.control import ControlServer, Handlers
from kiosk.app.diagnostics.live import LiveDiagnostics, LiveParts
from kiosk.app.help_call import HelpCall
from kiosk.app.invitation import Invitations
from kiosk.app.pin_approval import PinApproval
from kiosk.app.scan_router import ScanRouter
from kiosk.app.technician_access import TechnicianAccess
from kiosk.config import Config
from kiosk.domain.model import FacilityRule, Policy
from kiosk.entrance import LockerBank
from kiosk.store import Store, StoreError
from kiosk.store.run_lock import RunLock
from kiosk.store.signing_key import KioskKeyFile
from kiosk.sync import client as sync_client
from kiosk.sync.engine import SyncSettings, help_sender, invitation_lookup
from kiosk.sync.worker import SyncWorker, device_health_of
from lobby_core.diagnostics import Report

log = logging.getLogger(__name__)
ALL_DAY = ((time(0), time(0)),)  # (t, t) is 24 hours in the domain's reading
# Longer than any pulse can take (60 s at most, plus the off's retries and timeouts).
PULSE_IN_FLIGHT_MAX = timedelta(minutes=5)
NOT_CONFIGURED = "none"
D = TypeVar("D", bound=devices.Device)


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
class OptionalDevice(Generic[D]):
    """A device the kiosk runs without (printer, scanner): when it cannot be opened or
    started the kiosk still runs and health() says why, like a Moonraker component that
    failed to load is a warning, not a dead printer."""

    url: str
    device: D | None  # None when it failed to open
    problem: str = ""  # why it failed to open or start

    @property
    def configured(self) -> bool:
        return self.url != NOT_CONFIGURED

    def health(self) -> devices.Health:
        if not self.configured:
            return devices.Health.ok("not configured")  # as `kiosk diag` says it
        if self.problem or self.device is None:
            return devices.Health.down(self.problem or "not open")
        return self.device.health()

    def close(self) -> None:
        if self.device is not None:
            with contextlib.suppress(devices.DeviceError):
                self.device.close()


def open_optional(url: str, opener: Callable[[str], D], what: str) -> OptionalDevice[D]:
    try:
        return OptionalDevice(url, opener(url))
    except devices.DeviceError as exc:
        log.warning("kiosk: %s %s cannot be opened; running without it: %s", what, url, exc)
        return OptionalDevice(url, None, f"cannot open: {exc}")


@dataclass
class Kiosk:
    """Everything `build()` opened, and the services on top; start(), tick(), stop()."""

    config: Config
    store: Store
    reader: devices.CardReader
    gate_relay: devices.Relay
    printer: OptionalDevice[devices.Printer]
    scanner: OptionalDevice[devices.Scanner]
    id_reader: OptionalDevice[devices.IdReader]
    gate: Gate
    member_entrance: MemberEntrance
    pass_entrance: PassEntrance
    visitor_desk: VisitorDesk
    sync: SyncWorker
    # The touchscreen's help button and technician entry; both block (network, argon2), so a
    # screen calls them from a worker thread.
    help_call: HelpCall
    technician_access: TechnicianAccess
    locker_relays: list[devices.Relay] = field(default_factory=list)  # beside the gate's board
    run_lock: RunLock | None = None
    diagnostics: LiveDiagnostics | None = None  # set by build()
    remote_actions: RemoteActions | None = None  # live tests for diag and the console
    control: ControlServer | None = None  # `kiosk diag` asks the running kiosk here
    scans: ScanRouter | None = None  # the scanner's codes: passes to the gate, invitations to the screen
    _stopped: bool = False

    def diagnose(self, *, central: bool = True) -> Report:
        """Every check, live from the devices this kiosk holds (no port is opened); takes up
        to a few seconds (central's checks): call it from a worker thread, never the UI's.
        `central=False` skips central's checks: the heartbeat, which has just reached it."""
        assert self.diagnostics is not None, "a Kiosk is made by build()"
        return self.diagnostics.diagnose(central=central)

    @property
    def relays(self) -> list[devices.Relay]:
        return [self.gate_relay, *self.locker_relays]

    def start(self) -> None:
        """Sync first (it only idles until enrolled), then the scanner, then the card reader:
        once the reader watches, a card presented is a tap. The control socket comes last:
        diag then sees the devices as they run."""
        if self.diagnostics is not None:
            self.diagnostics.attach_log()
        self.sync.start()
        scanner = self.scanner.device
        if scanner is not None:
            try:
                scanner.start(self.scans.handle_scan if self.scans else self.pass_entrance.handle_scan)
            except devices.DeviceError as exc:
                log.warning("kiosk: QR scanner %s cannot start; running without it: %s",
                            self.scanner.url, exc)
                self.scanner.problem = f"cannot start: {exc}"
        id_reader = self.id_reader.device
        if id_reader is not None:
            try:
                id_reader.start(self.visitor_desk.handle_id_card)
            except devices.DeviceError as exc:
                log.warning("kiosk: ID card reader %s cannot start; running without it: %s",
                            self.id_reader.url, exc)
                self.id_reader.problem = f"cannot start: {exc}"
        self.reader.start(self.member_entrance.handle_tap)
        if self.control is not None:
            self.control.start()

    def tick(self) -> None:
        """Periodic upkeep from the main loop (about once a second): record pulse outcomes
        the store refused earlier; purge ended visits (the desk does it at most hourly).
        Never waits behind a tap in progress."""
        self.gate.retry_unsaved()
        try:
            self.visitor_desk.upkeep()
        except StoreError as exc:
            log.error("kiosk: visitor purge failed (tried again next hour): %s", exc)
        try:
            self.pass_entrance.upkeep()
        except StoreError as exc:
            log.error("kiosk: expired pass purge failed (tried again next hour): %s", exc)

    def relays_off(self) -> None:
        """Switch every relay off now, without waiting for anything else to stop."""
        for relay in self.relays:
            try:
                relay.all_off()
            except devices.DeviceError as exc:
                log.error("kiosk: could not switch %s off: %s", relay.url, exc)

    def stop(self) -> None:
        """Relays off first (the joins below may take seconds, and systemd's stop timeout is
        short), then no more taps or scans, then sync, then close everything.
        Safe to call twice, and after a start() that failed half-way."""
        if self._stopped:
            return
        self._stopped = True
        self.relays_off()
        if self.control is not None:
            self.control.stop()
        with contextlib.suppress(devices.DeviceError):
            self.reader.stop()
        for optional in (self.scanner, self.id_reader):
            if optional.device is not None:
                with contextlib.suppress(devices.DeviceError):
                    optional.device.stop()
        self.sync.stop()
        # A tap that was in flight ends its own pulse with a guaranteed off, and closing a
        # relay switches every channel off once more.
        for relay in self.relays:
            with contextlib.suppress(devices.DeviceError):
                relay.close()
        self.scanner.close()
        self.id_reader.close()
        self.printer.close()
        self.store.close()
        if self.run_lock is not None:
            self.run_lock.release()
        if self.diagnostics is not None:
            self.diagnostics.detach_log()

    def loops(self) -> dict[str, devices.Device]:
        """The devices whose own loops must stay alive for the kiosk to be of use, by the names
        health() uses (what the systemd watchdog watches: kiosk.app.watchdog)."""
        out: dict[str, devices.Device] = {"card_reader": self.reader, "relay": self.gate_relay}
        for i, relay in enumerate(self.locker_relays):
            out[f"locker_relay{i or ''}"] = relay
        for name, optional in (("qr_scanner", self.scanner), ("id_reader", self.id_reader)):
            if optional.device is not None:
                out[name] = optional.device
        return out

    def health(self) -> dict[str, devices.Health]:
        """Every device by name, optional ones included; the gate's protocol health wins
        over its relay's own while a pulse has failed."""
        gate = self.gate.health()
        out = {"card_reader": self.reader.health(),
               "relay": gate if not gate.is_ok else self.gate_relay.health()}
        for i, relay in enumerate(self.locker_relays):
            out[f"locker_relay{i or ''}"] = relay.health()
        printer, slips = self.printer.health(), self.visitor_desk.print_health()
        # A slip that failed to print shows even while the printer itself looks fine.
        out["printer"] = printer if not printer.is_ok or slips.is_ok else slips
        out["qr_scanner"] = self.scanner.health()
        out["id_reader"] = self.id_reader.health()
        return out


def build(cfg: Config, *,
          open_card_reader: Callable[[str], devices.CardReader] = devices.open_card_reader,
          open_relay: Callable[[str], devices.Relay] = devices.open_relay,
          open_printer: Callable[[str], devices.Printer] = devices.open_printer,
          open_scanner: Callable[[str], devices.Scanner] = devices.open_scanner,
          open_id_reader: Callable[[str], devices.IdReader] = devices.open_id_reader,
          sync_settings: SyncSettings | None = None) -> Kiosk:
    """Open everything a config names and wire the services; nothing runs until start().

    Required devices (the card reader, the gate relay, a separate locker relay board) that
    fail to open fail the build: what was opened is closed and the error raised. Optional
    ones (printer, QR scanner, ID card reader) that fail become a "down" entry in Kiosk.health() instead.
    Every relay is switched off as soon as it is open: a previous run that died mid-pulse
    (or a board that kept its state over a power cut) must not leave a turnstile open.

    Threads (nothing here creates one; start() starts the devices' and sync's):

    - A card tap runs entirely on the card reader's thread: lookup, decision, the write
      transaction, the gate pulse (its hold included), the locker pulse, the outcome, the
      result listeners. A second tap waits for the first (MemberEntrance and Gate locks).
    - A QR scan runs on the scanner's thread (PassEntrance.handle_scan), the pulse included;
      it waits at the Gate for a tap in progress, and vice versa.
    - An ID card read runs on the ID reader's thread (VisitorDesk.handle_id_card), which
      only hands the card on; a visitor screen gets it through its adapter like any result.
    - Registration, the wait for a decision and a print run on the thread of whoever asks
      VisitorDesk (a UI worker thread, never the UI thread: a wait takes up to
      `[visitors] approval_wait_s`, a slip seconds); sync's threads only notify the wait.
    - A sync cycle runs on the "sync-cycle" thread and central's long-poll on "sync-poll";
      both use the store, whose write lock serialises them with taps. A tap only nudges sync.
    - The help button (Kiosk.help_call.call(), one quick request to central) and the
      technician entry (Kiosk.technician_access.verify(), argon2) run on the thread of whoever
      asks: a UI worker thread, never the UI thread.
    - Kiosk.tick() and Kiosk.health() run on the caller's thread (`kiosk run`'s main loop);
      health() only reads.
    - Listeners are called on the thread that produced the result (reader, scanner, ...).
      They must return quickly and must not touch a UI toolkit: a screen subscribes through
      an adapter that re-posts the result onto its own thread (for Kivy,
      `Clock.schedule_once(lambda _dt: screen.show(result))`) and returns.
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
        # -- relays: the gate's board, and the lockers' when it is a separate one
        gate_relay = open_relay(cfg.devices.relay)
        opened.append(gate_relay.close)
        gate_relay.all_off()
        locker_relays: list[devices.Relay] = []
        locker_relay = gate_relay
        if cfg.lockers.channels and cfg.lockers.relay and cfg.lockers.relay != cfg.devices.relay:
            locker_relay = open_relay(cfg.lockers.relay)
            opened.append(locker_relay.close)
            locker_relay.all_off()
            locker_relays.append(locker_relay)
        bank = LockerBank.from_config(cfg.lockers, locker_relay)
        with store.write() as tx:
            dropped = tx.configure_lockers(bank.lockers if bank else ())
        if dropped:
            log.warning("kiosk: locker(s) %s were removed from the config while assigned",
                        ", ".join(dropped))
        # -- optional devices: a failure is a warning in health(), not a dead kiosk
        printer = open_optional(cfg.devices.printer, open_printer, "printer")
        opened.append(printer.close)
        scanner = open_optional(cfg.devices.qr_scanner, open_scanner, "QR scanner")
        opened.append(scanner.close)
        id_reader = open_optional(cfg.devices.id_reader, open_id_reader, "ID card reader")
        opened.append(id_reader.close)
        # -- services
        gate = Gate(store, gate_relay, cfg.gate.relay_channel, cfg.gate.pulse_ms)
        settings = EntranceSettings(facility=cfg.kiosk.facility, policy=policy_from(cfg),
                                    direction=cfg.kiosk.direction)
        member_entrance = MemberEntrance(store, gate, settings, bank)
        pass_entrance = PassEntrance(store, gate, PassSettings(
            facility=cfg.kiosk.facility, zone=cfg.zone,
            anti_passback=timedelta(seconds=cfg.access.anti_passback_s),
            direction=cfg.kiosk.direction))
        sync = SyncWorker(store, sync_client.CentralConfig.from_config(cfg), sync_settings)
        v = cfg.visitors
        visitor_desk = VisitorDesk(
            store, printer.device,
            DeskSettings(place=cfg.kiosk.name, zone=cfg.zone, approval_wait_s=v.approval_wait_s,
                         retention_days=v.retention_days,
                         privacy_notice_version=v.privacy_notice_version),
            nudge=sync.nudge_visits,
            # Offline fallback: a receptionist's PIN approves, the pass is signed by this kiosk.
            pin_approval=PinApproval(store, KioskKeyFile(cfg.data_path)),
            # Invitations: central asked when it answers; offline, accepted with this kiosk's key.
            invitations=Invitations(store, zone=cfg.zone, signer=KioskKeyFile(cfg.data_path),
                                    lookup=invitation_lookup(sync.central)))
        sync.subscribe_visits(visitor_desk.on_sync_news)
        # -- the card reader last: the member entrance is ready for it
        reader = open_card_reader(cfg.devices.card_reader)
    except BaseException:
        for close in reversed(opened):
            with contextlib.suppress(Exception):
                close()
        raise
    kiosk = Kiosk(cfg, store, reader, gate_relay, printer, scanner, id_reader, gate, member_entrance,
                  pass_entrance, visitor_desk, sync, HelpCall(help_sender(sync.central)),
                  TechnicianAccess(store), locker_relays, run_lock)
    kiosk.scans = ScanRouter(pass_entrance)
    wire_diagnostics(kiosk)
    # The heartbeat carries the live report (without central's own checks: the heartbeat has
    # just reached it), and the console's live tests run through the same actions as diag's.
    sync.diag_report = lambda: kiosk.diagnose(central=False).to_json()
    sync.remote_actions = kiosk.remote_actions
    sync.device_health = device_health_of(kiosk.health)  # the heartbeat reports every device
    member_entrance.subscribe(sync.on_entrance_result)  # every tap is an event worth pushing
    # A scan that recorded an event (a genuine pass) is pushed like a tap; noise is not.
    pass_entrance.subscribe(lambda r: sync.nudge() if r.event_uuid else None)
    return kiosk


def wire_diagnostics(kiosk: Kiosk) -> None:
    """Live diagnostics, the live tests and the control socket `kiosk diag` asks."""
    diagnostics = LiveDiagnostics(LiveParts(kiosk.config, kiosk.store, kiosk.health, kiosk.relays,
                                            kiosk.gate, kiosk.reader))
    activity = diagnostics.parts.activity
    kiosk.member_entrance.subscribe(activity.tapped)
    kiosk.pass_entrance.subscribe(activity.scanned)

    def printer() -> tuple[devices.Printer | None, str]:
        return kiosk.printer.device, kiosk.printer.problem or (
            "no printer configured" if not kiosk.printer.configured else "")

    actions = RemoteActions(kiosk.gate, printer, kiosk.config.kiosk.name, diagnostics.bundle)
    kiosk.diagnostics, kiosk.remote_actions = diagnostics, actions
    kiosk.control = ControlServer(kiosk.config.data_path, Handlers(
        diagnose=diagnostics.diagnose, pulse=actions.pulse_check, print_test=actions.print_check,
        bundle=diagnostics.bundle))
