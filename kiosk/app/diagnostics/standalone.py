"""Diagnosis without a running kiosk: diag opens each configured device itself, briefly.

Readers (card, QR, ID card) only know their state once watching, so each is started for
up to SETTLE_S and stopped again; a tap or scan meanwhile is ignored. The devices are looked
at in parallel so a slow one does not hold up the rest. Opening fails with a DeviceError
that becomes the device's "down" health, never an exception out of here.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import devices
from kiosk.config import Config

from .device_checks import NOT_CONFIGURED, DeviceState, DeviceStates, RelayState

log = logging.getLogger(__name__)
SETTLE_S = 3.0
_UNSETTLED = {"not started", "starting"}


def relay_channels(cfg: Config) -> list[tuple[str, dict[int, str]]]:
    """Each relay board's URL with the channels the config gives it and their roles."""
    gate: dict[int, str] = {cfg.gate.relay_channel: "gate"}
    lockers = {ch: f"locker {cfg.lockers.labels[i] if i < len(cfg.lockers.labels) else i + 1}"
               for i, ch in enumerate(cfg.lockers.channels)}
    separate = bool(cfg.lockers.channels and cfg.lockers.relay
                    and cfg.lockers.relay != cfg.devices.relay)
    if not separate:
        return [(cfg.devices.relay, {**lockers, **gate})]
    return [(cfg.devices.relay, gate), (cfg.lockers.relay, lockers)]


def _watch(opener: Callable[[str], Any], url: str) -> DeviceState:
    if url == NOT_CONFIGURED:
        return DeviceState(url, devices.Health.ok("not configured"))
    try:
        dev = opener(url)
    except devices.DeviceError as exc:
        return DeviceState(url, devices.Health.down(str(exc) or type(exc).__name__))
    try:
        dev.start(lambda _event: None)
        deadline = time.monotonic() + SETTLE_S
        health = dev.health()
        while health.reason in _UNSETTLED and time.monotonic() < deadline:
            time.sleep(0.02)
            health = dev.health()
        return DeviceState(url, health, reader=str(getattr(dev, "reader_name", "") or ""))
    except devices.DeviceError as exc:
        return DeviceState(url, devices.Health.down(str(exc)))
    finally:
        with contextlib.suppress(devices.DeviceError):
            dev.close()


def _printer(url: str) -> DeviceState:
    if url == NOT_CONFIGURED:
        return DeviceState(url, devices.Health.ok("not configured"))
    try:
        printer = devices.open_printer(url)
    except devices.DeviceError as exc:
        return DeviceState(url, devices.Health.down(str(exc)))
    try:
        return DeviceState(url, printer.health())
    finally:
        with contextlib.suppress(devices.DeviceError):
            printer.close()


def _relay(url: str, channels: dict[int, str]) -> RelayState:
    try:
        relay = devices.open_relay(url)
    except devices.DeviceError as exc:
        return RelayState(url, devices.Health.down(str(exc) or type(exc).__name__), channels)
    try:
        health = relay.health()
        # Read back now, while the board is open; the checks get the answers.
        answers: dict[int, bool | devices.DeviceError] = {}
        for ch in channels:
            try:
                answers[ch] = relay.read(ch)
            except devices.DeviceError as exc:
                answers[ch] = exc
    finally:
        with contextlib.suppress(devices.DeviceError):
            relay.close()

    def read(ch: int) -> bool:
        answer = answers[ch]
        if isinstance(answer, devices.DeviceError):
            raise answer
        return answer

    return RelayState(url, health, channels, read)


def _result(future: concurrent.futures.Future[Any], url: str) -> Any:
    """A driver that raises something other than DeviceError has a bug; the device is then
    down with the error's type, and the other devices are still looked at."""
    try:
        return future.result()
    except Exception as exc:
        log.exception("diag: probing %s failed", url)
        return DeviceState(url, devices.Health.down(f"driver error ({type(exc).__name__})"))


def probe_devices(cfg: Config) -> DeviceStates:
    d = cfg.devices
    with concurrent.futures.ThreadPoolExecutor(6, thread_name_prefix="diag-dev") as pool:
        card = pool.submit(_watch, devices.open_card_reader, d.card_reader)
        relays = [(url, chans, pool.submit(_relay, url, chans))
                  for url, chans in relay_channels(cfg)]
        printer = pool.submit(_printer, d.printer)
        scanner = pool.submit(_watch, devices.open_scanner, d.qr_scanner)
        id_reader = pool.submit(_watch, devices.open_id_reader, d.id_reader)
        relay_states = []
        for url, chans, future in relays:
            got = _result(future, url)
            relay_states.append(got if isinstance(got, RelayState)
                                else RelayState(url, got.health, chans))
        return DeviceStates(card_reader=_result(card, d.card_reader), relays=relay_states,
                            printer=_result(printer, d.printer),
                            qr_scanner=_result(scanner, d.qr_scanner),
                            id_reader=_result(id_reader, d.id_reader))
