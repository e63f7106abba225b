"""PC/SC result codes become our own error types with a one-line reason."""

from __future__ import annotations

import re

import pytest
from smartcard import scard

from devices import errors
from devices.card.pcsc_errors import describe, translate


@pytest.mark.parametrize(
    ("code", "kind", "text"),
    [
        (scard.SCARD_E_NO_SERVICE, errors.DeviceNotFound, "PC/SC service not running"),
        (scard.SCARD_E_SERVICE_STOPPED, errors.DeviceNotFound, "PC/SC service not running"),
        (scard.SCARD_F_COMM_ERROR, errors.DeviceUnplugged, "lost the connection"),
        (scard.SCARD_E_UNKNOWN_READER, errors.DeviceUnplugged, "reader unplugged"),
        (scard.SCARD_E_READER_UNAVAILABLE, errors.DeviceUnplugged, "reader unplugged"),
        (scard.SCARD_E_TIMEOUT, errors.DeviceTimeout, "reading: timed out"),
        (scard.SCARD_E_INVALID_VALUE, errors.DeviceProtocolError, r"reading: .*0x80100011"),
    ],
)
def test_translate(code: int, kind: type[errors.DeviceError], text: str) -> None:
    error = translate(code, "reading")
    assert type(error) is kind
    assert re.search(text, str(error))


def test_describe_unknown_code() -> None:
    assert describe(0x12345678).endswith("(0x12345678)")
