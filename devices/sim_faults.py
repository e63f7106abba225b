"""The `fail=` parameter every sim:// device takes: one parser, so the faults read alike."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DeviceConfigError

MAX_COUNT = 1_000_000


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str | None = None  # one of the device's simple faults, "unplug_after", or None
    after: int = 0  # with unplug_after: operations that still work

    @classmethod
    def parse(cls, spec: str | None, where: str, simple: tuple[str, ...], device: str) -> Fault:
        """`absent`, `timeout`, ... (as the device allows) or `unplug_after:N`; "" = none."""
        if not spec:
            return cls()
        if spec in simple:
            return cls(spec)
        kind, sep, count = spec.partition(":")
        if kind == "unplug_after" and sep and count.isdecimal() and int(count) <= MAX_COUNT:
            return cls(kind, int(count))
        raise DeviceConfigError(
            f"{where}: fail={spec!r} is not a {device} fault; use one of "
            f"{', '.join((*simple, 'unplug_after:N'))}"
        )

    @property
    def unplug_after(self) -> int | None:
        return self.after if self.kind == "unplug_after" else None
