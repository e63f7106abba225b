"""Printer-specific errors, each a DeviceError subclass so callers can catch DeviceError alone."""

from __future__ import annotations

from devices.errors import DeviceError


class PaperOut(DeviceError):
    """The printer reports no paper; nothing was printed."""


class SlipError(DeviceError, ValueError):
    """The slip itself cannot be printed (wrong types, too long, QR payload too big)."""
