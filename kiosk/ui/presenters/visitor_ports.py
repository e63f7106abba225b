"""What the visitor presenters read of the values the visitor desk hands them (an ID card
read, a host match, a slip), as Protocols: the UI never imports `devices` or the store."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Protocol


class IdCardLike(Protocol):
    """devices.IdCard: what the ID card reader read."""

    @property
    def id_type(self) -> Hashable: ...
    @property
    def id_number(self) -> str: ...
    @property
    def name(self) -> str: ...


class HostLike(Protocol):
    """kiosk.store.HostEntry: one match of a host search."""

    @property
    def label(self) -> str: ...
    @property
    def detail(self) -> str: ...


class SlipLike(Protocol):
    """devices.Slip: what was printed, or is to be shown instead."""

    @property
    def lines(self) -> Sequence[str]: ...
    @property
    def qr(self) -> str | None: ...
