"""Translate PC/SC result codes (pcsc-lite via pyscard) into our DeviceError types."""

from __future__ import annotations

from smartcard import scard

from ..errors import DeviceError, DeviceNotFound, DeviceProtocolError, DeviceTimeout, DeviceUnplugged

SERVICE_DOWN_REASON = "PC/SC service not running"

# The daemon is gone, or our connection to it is. pcsc-lite answers a stale socket
# (pcscd killed) with SCARD_W_SECURITY_VIOLATION on SCardEstablishContext.
SERVICE_DOWN = frozenset({
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_W_SECURITY_VIOLATION,
})
# SCARD_F_COMM_ERROR ("RPC transport error") comes both when pcscd dies and when a USB
# reader is unplugged; the reconnect that follows tells the two apart.
CONNECTION_LOST = frozenset({scard.SCARD_F_COMM_ERROR})
READER_GONE = frozenset({
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_NO_READERS_AVAILABLE,
})
# The card left the field (possibly mid-APDU): not a tap, not a fault.
CARD_GONE = frozenset({
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_W_UNRESPONSIVE_CARD,
})
# Worth another try while the card is still there (pcscd still powering it up, another
# application holding it for a moment).
RETRYABLE = frozenset({
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_SHARING_VIOLATION,
})


def describe(code: int) -> str:
    try:
        message = str(scard.SCardGetErrorMessage(code)).rstrip(". ")
    except Exception:  # pyscard may reject codes it does not know; we only want text
        message = "unknown error"
    return f"{message} (0x{code & 0xFFFFFFFF:08X})"


def translate(code: int, doing: str) -> DeviceError:
    """The DeviceError for a failed SCard* call; `doing` says what we were attempting."""
    if code in SERVICE_DOWN:
        return DeviceNotFound(SERVICE_DOWN_REASON)
    if code in CONNECTION_LOST:
        return DeviceUnplugged("lost the connection to the PC/SC service or reader")
    if code in READER_GONE:
        return DeviceUnplugged("reader unplugged")
    if code == scard.SCARD_E_TIMEOUT:
        return DeviceTimeout(f"{doing}: timed out")
    return DeviceProtocolError(f"{doing}: {describe(code)}")
