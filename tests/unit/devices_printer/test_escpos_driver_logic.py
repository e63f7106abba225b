"""URL parsing and library-error translation of the ESC/POS driver (no device needed)."""

from __future__ import annotations

import errno

import pytest
import serial
import usb.core
from escpos.exceptions import DeviceNotFoundError as EscposDeviceNotFound

import devices
from devices.printer.escpos_driver import (
    EscposPrinter,
    FileTransport,
    NetTransport,
    SerialTransport,
    UsbTransport,
    transport_for,
)
from devices.url import parse


def test_transports_from_urls():
    t = transport_for(parse("escpos-serial:///dev/ttyS0?baudrate=19200"))
    assert isinstance(t, SerialTransport) and (t.path, t.baudrate) == ("/dev/ttyS0", 19200)
    t = transport_for(parse("escpos-net://10.0.0.5"))
    assert isinstance(t, NetTransport) and (t.host, t.port) == ("10.0.0.5", 9100)
    t = transport_for(parse("escpos-file:///dev/usb/lp0"))
    assert isinstance(t, FileTransport) and t.path == "/dev/usb/lp0"
    t = transport_for(parse("escpos-usb://04b8:0202?in_ep=0x81&out_ep=0x02"))
    assert isinstance(t, UsbTransport)
    assert (t.vid, t.pid, t.in_ep, t.out_ep) == (0x04B8, 0x0202, 0x81, 0x02)


def test_usb_ids_with_hex_letters():
    t = transport_for(parse("escpos-usb://0fe6:811e"))
    assert isinstance(t, UsbTransport) and (t.vid, t.pid) == (0x0FE6, 0x811E)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("escpos-usb://04b8", "VID:PID"),
        ("escpos-usb://zz:0202", "VID:PID"),
        ("escpos-usb://12345:0202", "4 hex digits"),
        ("escpos-usb://04b8:0202?in_ep=0x01", "outside"),
        ("escpos-serial://", "no serial port"),
        ("escpos-serial:///dev/ttyS0?baudrate=fast", "not an integer"),
        ("escpos-serial:///dev/ttyS0?parity=E", "unknown parameter"),
        ("escpos-net://", "no host"),
        ("escpos-net://h?timeout=0", "below"),
        ("escpos-file://", "no device file"),
        ("escpos-file:///dev/usb/lp0?status=maybe", "not a boolean"),
        ("escpos-file:///dev/usb/lp0?paper=57", "58 or 80"),
    ],
)
def test_bad_urls(url: str, message: str):
    with pytest.raises(devices.DeviceConfigError, match=message):
        devices.open_printer(url)


def _printer(url: str) -> EscposPrinter:
    p = devices.open_printer(url)
    assert isinstance(p, EscposPrinter)
    return p


def _escpos_not_found(cause: BaseException) -> EscposDeviceNotFound:
    # python-escpos raises its error inside `except`, leaving the cause as __context__.
    try:
        try:
            raise cause
        except BaseException:
            raise EscposDeviceNotFound("wrapped") from None
    except EscposDeviceNotFound as exc:
        exc.__context__ = cause
        return exc


@pytest.mark.parametrize(
    ("exc", "opening", "kind", "text"),
    [
        (serial.SerialTimeoutException("Write timeout"), False, devices.DeviceTimeout, "in time"),
        (TimeoutError("timed out"), False, devices.DeviceTimeout, "in time"),
        (usb.core.USBTimeoutError("t", errno.ETIMEDOUT), False, devices.DeviceTimeout, "in time"),
        (serial.SerialException("write failed: [Errno 5] EIO"), False, devices.DeviceUnplugged, "lost"),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), False, devices.DeviceUnplugged, "Broken pipe"),
        (usb.core.USBError("No such device", errno.ENODEV), False, devices.DeviceUnplugged, "lost"),
        (usb.core.NoBackendError("No backend"), True, devices.DeviceNotFound, "libusb-1.0"),
        (PermissionError(errno.EACCES, "denied"), True, devices.DeviceNotFound, "dialout"),
        (
            serial.SerialException(errno.EAGAIN, "could not lock"),
            True,
            devices.DeviceNotFound,
            "in use by another program",
        ),
        (ValueError("weird"), False, devices.DeviceProtocolError, "ValueError: weird"),
    ],
)
def test_library_errors_become_device_errors(exc, opening, kind, text):
    p = _printer("escpos-serial:///dev/ttyS0")
    err = p._translate(exc, opening=opening)
    assert isinstance(err, kind)
    assert text in str(err)
    assert "serial port /dev/ttyS0" in str(err)


def test_escpos_not_found_reports_the_hidden_cause():
    p = _printer("escpos-net://127.0.0.1:9")
    err = p._translate(_escpos_not_found(ConnectionRefusedError(111, "Connection refused")), opening=True)
    assert isinstance(err, devices.DeviceNotFound)
    assert str(err) == "printer not found: network printer 127.0.0.1:9 (Connection refused)"
