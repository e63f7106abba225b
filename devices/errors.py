"""Our own device exceptions: every driver translates library errors into these."""

from __future__ import annotations

import functools


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


class RelayStateUnknown(DeviceError):
    """A switching command went out but did not complete: the relay may have switched.

    Raised by a relay's pulse() once the "on" (or the board-timed flash) was sent, whatever
    failed afterwards (no answer, a bad read-back, the off): a turnstile may have opened.
    A plain DeviceError from pulse() means nothing was sent. `of()` keeps the original kind
    too, so `except DeviceTimeout` still sees a timeout.
    """

    @classmethod
    def of(cls, exc: DeviceError) -> RelayStateUnknown:
        if isinstance(exc, RelayStateUnknown):
            return exc
        err = _unknown_kind(type(exc))(str(exc))
        err.__cause__ = exc
        return err


@functools.cache
def _unknown_kind(kind: type[DeviceError]) -> type[RelayStateUnknown]:
    # One class per original kind, built once: both `except RelayStateUnknown` and
    # `except <original kind>` must catch it.
    if kind is DeviceError:
        return RelayStateUnknown
    return type(f"{kind.__name__}StateUnknown", (RelayStateUnknown, kind),
                {"__module__": __name__})


class PaperOut(DeviceError):
    """The printer reports no paper; nothing was printed."""


class SlipError(DeviceError, ValueError):
    """The slip itself cannot be printed (wrong types, too long, QR payload too big)."""
