"""One requests Session to central: timeouts, retries with backoff, TLS, clock skew.

Retries (urllib3 Retry) cover idempotent calls only. Our POSTs of events and visits are
idempotent by the ids the kiosk generates, so they are retried too; enrollment is not
(a one-time code), and goes through `post_once`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import errors

log = logging.getLogger(__name__)

SKEW_WARN_S = 30.0
USER_AGENT = "lobby-kiosk"


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    ca_bundle: str = ""  # "" = system CAs
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 40.0
    retries: int = 3
    backoff_s: float = 0.5


def _retry(settings: ClientSettings) -> Retry:
    return Retry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        backoff_factor=settings.backoff_s,
        backoff_jitter=settings.backoff_s,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class CentralHTTP:
    def __init__(self, settings: ClientSettings, token: str | None = None) -> None:
        self.settings = settings
        self.token = token
        self.clock_skew_s: float | None = None
        self._skew_warned = False
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = settings.ca_bundle or True
        adapter = HTTPAdapter(max_retries=_retry(settings))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def _headers(self, auth: bool) -> dict[str, str]:
        if not auth:
            return {}
        if not self.token:
            raise errors.NotAuthorised("kiosk not enrolled: run `kiosk enroll URL CODE`")
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, *, json_body: Any = None,
                params: dict[str, Any] | None = None, auth: bool = True,
                read_timeout_s: float | None = None, session: requests.Session | None = None,
                raw_body: bytes | None = None, content_type: str = "application/octet-stream"
                ) -> Any:
        """`json_body` is sent as JSON; `raw_body` (e.g. a tar.gz) as it is, typed `content_type`."""
        timeout = (self.settings.connect_timeout_s, read_timeout_s or self.settings.read_timeout_s)
        sess = session or self.session
        headers = self._headers(auth)
        if raw_body is not None:
            headers["Content-Type"] = content_type
        try:
            resp = sess.request(method, self.url(path), json=json_body, params=params,
                                data=raw_body, headers=headers, timeout=timeout,
                                verify=self.session.verify)
            body = resp.content  # reads the whole body: a truncated one raises here
        except requests.exceptions.SSLError as exc:
            raise errors.CentralTLSError(f"TLS failure talking to {self.settings.base_url}: "
                                         f"{_short(exc)}") from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout) as exc:
            raise errors.CentralTimeout(f"central did not answer in time: {_short(exc)}") from None
        except requests.exceptions.RetryError as exc:
            raise errors.CentralServerError(f"central kept failing: {_short(exc)}") from None
        except requests.exceptions.ConnectionError as exc:
            # With retries enabled, requests wraps the last cause in MaxRetryError.
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            # NewConnectionError subclasses ConnectTimeoutError in urllib3: refused is not slow.
            if isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
                reason, urllib3.exceptions.NewConnectionError
            ):
                raise errors.CentralTimeout(f"central did not answer in time: {_short(exc)}") from None
            if isinstance(reason, urllib3.exceptions.SSLError):
                raise errors.CentralTLSError(f"TLS failure talking to {self.settings.base_url}: "
                                             f"{_short(exc)}") from None
            raise errors.CentralUnreachable(f"cannot reach {self.settings.base_url}: "
                                            f"{_short(exc)}") from None
        except (requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            raise errors.CentralProtocolError(f"broken response body: {_short(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise errors.CentralUnreachable(f"request failed: {_short(exc)}") from None
        self._note_clock(resp)
        return self._decode(resp, body)

    def post_once(self, path: str, json_body: Any, *, auth: bool = False) -> Any:
        """POST without retries, for calls that must not be repeated (enrollment)."""
        with requests.Session() as once:
            once.headers["User-Agent"] = USER_AGENT
            return self.request("POST", path, json_body=json_body, auth=auth, session=once)

    def _decode(self, resp: requests.Response, body: bytes) -> Any:
        status = resp.status_code
        if status in (401, 403):
            raise errors.NotAuthorised(f"kiosk not authorised ({status}): {_detail(body)}")
        if status >= 500:
            raise errors.CentralServerError(f"central error {status}: {_detail(body)}")
        if status >= 400:
            raise errors.CentralRejected(f"central refused ({status}): {_detail(body)}", status)
        if status == 204 or not body:
            return None
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise errors.CentralProtocolError(
                f"central sent something that is not JSON ({len(body)} bytes)") from None

    def _note_clock(self, resp: requests.Response) -> None:
        date = resp.headers.get("Date")
        if not date:
            return
        try:
            server = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if server.tzinfo is None:
            server = server.replace(tzinfo=UTC)
        # The Date header has 1 s resolution; half the round trip is noise we ignore.
        skew = (datetime.now(UTC) - server).total_seconds()
        self.clock_skew_s = skew
        if abs(skew) > SKEW_WARN_S and not self._skew_warned:
            log.warning("kiosk clock differs from central by %.0f s: passes may be judged wrongly",
                        skew)
            self._skew_warned = True
        elif abs(skew) <= SKEW_WARN_S:
            self._skew_warned = False


_PLAIN = {
    "ConnectionRefusedError": "connection refused",
    "ConnectionResetError": "connection reset",
    "RemoteDisconnected": "connection closed without an answer",
    "NameResolutionError": "host name not found",
    "IncompleteRead": "answer cut off",
    "ConnectTimeoutError": "no connection in time",
    "ReadTimeoutError": "no answer in time",
}


def _innermost(exc: BaseException) -> BaseException:
    """The root cause under requests' and urllib3's wrappers (MaxRetryError, ProtocolError...)."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nxt = getattr(exc, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in reversed(getattr(exc, "args", ())) if isinstance(a, BaseException)),
                       None)
        if nxt is None:
            break
        exc = nxt
    return exc


def _short(exc: BaseException) -> str:
    """One line for status displays: 'connection refused', not urllib3's paragraph."""
    inner = _innermost(exc)
    plain = _PLAIN.get(type(inner).__name__)
    if plain:
        return plain
    text = str(inner).splitlines()[0] if str(inner) else type(inner).__name__
    return text[:200]


def _detail(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body[:120].decode("utf-8", "replace") or "(empty body)"
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])[:200]
    return str(data)[:200]

