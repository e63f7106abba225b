"""Our own errors for talking to central; requests/urllib3 exceptions stop at this boundary."""

from __future__ import annotations


class CentralError(Exception):
    """Base of every error the central client raises."""

    #: a short stable word for status displays and metrics
    kind = "error"


class CentralUnreachable(CentralError):
    kind = "unreachable"


class CentralTimeout(CentralError):
    kind = "timeout"


class CentralTLSError(CentralError):
    kind = "tls"


class CentralServerError(CentralError):
    """Central answered 5xx (after retries)."""

    kind = "server"


class CentralProtocolError(CentralError):
    """Central's answer was not what the API promises (bad JSON, truncated body...)."""

    kind = "protocol"


class CentralRejected(CentralError):
    """Central refused the request (4xx other than auth): our data or state is wrong."""

    kind = "rejected"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotAuthorised(CentralError):
    """The kiosk's token is missing, wrong or revoked: stop retrying until re-enrolled."""

    kind = "not_authorised"


class EnrollmentRefused(CentralError):
    """The enrollment code is wrong, used or expired."""

    kind = "enrollment_refused"


class KeyIdTaken(CentralRejected):
    """Central refused the kiosk's public key: its one-byte key id is in use. Draw another key."""

    kind = "key_id_taken"
