"""Parse a device URL (`scheme://host:port/path?k=v`) into typed, validated parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import DeviceConfigError


@dataclass(frozen=True)
class DeviceURL:
    raw: str
    scheme: str
    host: str
    port: int | None
    path: str
    params: dict[str, str] = field(default_factory=dict)
    netloc: str = ""

    def get_str(self, key: str, default: str | None = None) -> str | None:
        return self.params.get(key, default)

    def get_int(self, key: str, default: int, *, lo: int | None = None, hi: int | None = None) -> int:
        raw = self.params.get(key)
        if raw is None:
            return default
        try:
            value = int(raw, 0)
        except ValueError:
            raise DeviceConfigError(f"{self.raw}: parameter {key}={raw!r} is not an integer") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise DeviceConfigError(f"{self.raw}: parameter {key}={value} is outside {lo}..{hi}")
        return value

    def get_float(self, key: str, default: float, *, lo: float | None = None) -> float:
        raw = self.params.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise DeviceConfigError(f"{self.raw}: parameter {key}={raw!r} is not a number") from None
        if lo is not None and value < lo:
            raise DeviceConfigError(f"{self.raw}: parameter {key}={value} is below {lo}")
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        raw = self.params.get(key)
        if raw is None:
            return default
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise DeviceConfigError(f"{self.raw}: parameter {key}={raw!r} is not a boolean (use 1 or 0)")

    def check_params(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.params) - allowed)
        if unknown:
            raise DeviceConfigError(
                f"{self.raw}: unknown parameter(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(allowed)) or 'none'}"
            )


_NO_PORT_SCHEMES = {"escpos-usb"}


def parse(url: str) -> DeviceURL:
    if not isinstance(url, str) or not url.strip():
        raise DeviceConfigError("device URL is empty")
    url = url.strip()
    if url == "none":
        return DeviceURL(url, "none", "", None, "", {}, "")
    if "://" not in url:
        raise DeviceConfigError(f"{url!r}: not a device URL (expected scheme://...)")
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        # escpos-usb://VID:PID is not host:port; its driver reads parts.netloc itself.
        port = None if scheme in _NO_PORT_SCHEMES else parts.port
        host = parts.hostname or ""
    except ValueError as exc:
        raise DeviceConfigError(f"{url}: {exc}") from None
    params: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in params:
            raise DeviceConfigError(f"{url}: parameter {key} given twice")
        params[key] = value
    return DeviceURL(
        raw=url,
        scheme=scheme,
        netloc=parts.netloc,
        host=host,
        port=port,
        path=unquote(parts.path),
        params=params,
    )
