"""The device layer: open a card reader, relay, printer, scanner or ID card reader from a URL.

The URL scheme picks the driver (like pyserial's serial_for_url). Nothing above this
package imports pyscard, pyserial, pymodbus or python-escpos; drivers translate their
library's exceptions into DeviceError subclasses.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import CardReader, Device, IdReader, Printer, Relay, Scanner
from .errors import (
    DeviceConfigError,
    DeviceError,
    DeviceNotFound,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnplugged,
    PaperOut,
    RelayStateUnknown,
    SlipError,
)
from .events import IdCard, IdType, Scan, Slip, Tap
from .health import Health, State
from .url import DeviceURL, parse

__all__ = [
    "CardReader", "Device", "DeviceConfigError", "DeviceError", "DeviceNotFound",
    "DeviceProtocolError", "DeviceTimeout", "DeviceURL", "DeviceUnplugged", "Health",
    "IdCard", "IdReader", "IdType",
    "PaperOut", "Printer", "Relay", "RelayStateUnknown", "Scan", "Scanner", "Slip", "SlipError",
    "State", "Tap", "open_card_reader", "open_id_reader",
    "open_printer", "open_relay", "open_scanner", "schemes",
]

# Driver modules are imported lazily so that, say, a kiosk without a printer never
# imports python-escpos. Each module has `open_device(url: DeviceURL) -> <kind>`.
_DRIVERS: dict[str, dict[str, str]] = {
    "card_reader": {
        "pcsc": "devices.card.pcsc",
        "sim": "devices.card.sim",
    },
    "relay": {
        "modbus-rtu": "devices.relay.modbus_rtu",
        "lcus": "devices.relay.lcus",
        "sim": "devices.relay.sim",
    },
    "printer": {
        "escpos-serial": "devices.printer.escpos_driver",
        "escpos-usb": "devices.printer.escpos_driver",
        "escpos-net": "devices.printer.escpos_driver",
        "escpos-file": "devices.printer.escpos_driver",
        "sim": "devices.printer.sim",
        "none": "devices.printer.none",
    },
    "scanner": {
        "serial": "devices.scanner.serial_scanner",
        "sim": "devices.scanner.sim",
        "none": "devices.scanner.none",
    },
    "id_reader": {
        "idcard-serial": "devices.idcard.serial_reader",
        "sim": "devices.idcard.sim",
        "none": "devices.idcard.none",
    },
}


def schemes(kind: str) -> list[str]:
    return sorted(_DRIVERS[kind])


def _open(kind: str, url: str) -> Any:
    parsed = parse(url)
    module_name = _DRIVERS[kind].get(parsed.scheme)
    if module_name is None:
        raise DeviceConfigError(
            f"{url}: unknown {kind.replace('_', ' ')} scheme {parsed.scheme!r}; "
            f"use one of {', '.join(s + '://' if s != 'none' else s for s in schemes(kind))}"
        )
    module = importlib.import_module(module_name)
    return module.open_device(parsed)


def open_card_reader(url: str) -> CardReader:
    return _open("card_reader", url)


def open_relay(url: str) -> Relay:
    return _open("relay", url)


def open_printer(url: str) -> Printer:
    return _open("printer", url)


def open_scanner(url: str) -> Scanner:
    return _open("scanner", url)


def open_id_reader(url: str) -> IdReader:
    return _open("id_reader", url)
