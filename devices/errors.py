"""Our own device exceptions: every driver translates library errors into these."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every error a device driver raises."""


class DeviceConfigError(DeviceError):
    """The device URL is malformed, names an unknown scheme or has a bad parameter."""


class DeviceNotFound(DeviceError):
    """The device (port, reader, printer, service) is not present."""


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""


class DeviceUnplugged(DeviceError):
    """The device went away while in use; the driver will try to reopen it."""


class DeviceProtocolError(DeviceError):
    """The device answered, but with something we cannot accept."""


class PaperOut(DeviceError):
    """The printer reports no paper; nothing was printed."""


class SlipError(DeviceError, ValueError):
    """The slip itself cannot be printed (wrong types, too long, QR payload too big)."""
