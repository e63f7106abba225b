"""A fake of pyscard's low-level scard module: a tiny pcscd in memory, for loop-logic tests.

Used only for faults the real stack cannot produce on demand here (reader unplug,
retryable errors, odd card answers, exceptions from the library).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from smartcard import scard as real

ATR = [0x3B, 0x8F, 0x80, 0x01]


class FakeScard:
    def __init__(self, readers: tuple[str, ...] = ("Fake Reader 0", "Fake Reader 1")) -> None:
        for name in dir(real):
            if name.startswith("SCARD_"):
                setattr(self, name, getattr(real, name))
        self.SCardGetErrorMessage = real.SCardGetErrorMessage
        self.cond = threading.Condition()
        self.service_up = True
        self.readers = list(readers)
        self.cards: dict[str, bytes] = {}  # reader -> UID
        self.counters: dict[str, int] = {}  # pcsc-lite's insert/remove event counter
        self.in_use: dict[str, bool] = {}
        self.connect_errors: deque[int] = deque()
        self.transmit_answers: deque[tuple[int, list[int]]] = deque()
        self.list_exceptions: deque[BaseException] = deque()
        self.connects = 0
        self._next_ctx = 100
        self._cancelled: set[int] = set()
        self.contexts: set[int] = set()

    # -- driving the fake ----------------------------------------------------------

    def _changed(self) -> None:
        self.cond.notify_all()

    def insert(self, reader: str, uid: bytes) -> None:
        with self.cond:
            self.cards[reader] = uid
            self.counters[reader] = self.counters.get(reader, 0) + 1
            self._changed()

    def remove(self, reader: str) -> None:
        with self.cond:
            self.cards.pop(reader, None)
            self.counters[reader] = self.counters.get(reader, 0) + 1
            self._changed()

    def swap(self, reader: str, uid: bytes) -> None:
        """Remove and present a card within one poll: only the counter tells."""
        with self.cond:
            self.cards[reader] = uid
            self.counters[reader] = self.counters.get(reader, 0) + 2
            self._changed()

    def unplug(self, reader: str) -> None:
        with self.cond:
            self.readers.remove(reader)
            self.cards.pop(reader, None)
            self._changed()

    def plug(self, reader: str) -> None:
        with self.cond:
            self.readers.append(reader)
            self._changed()

    def set_service(self, up: bool) -> None:
        with self.cond:
            self.service_up = up
            if not up:
                self.contexts.clear()
            self._changed()

    # -- the scard API -------------------------------------------------------------

    def SCardEstablishContext(self, scope: int) -> tuple[int, int]:
        with self.cond:
            if not self.service_up:
                return real.SCARD_E_NO_SERVICE, 0
            self._next_ctx += 1
            self.contexts.add(self._next_ctx)
            return real.SCARD_S_SUCCESS, self._next_ctx

    def SCardReleaseContext(self, ctx: int) -> int:
        with self.cond:
            self.contexts.discard(ctx)
        return real.SCARD_S_SUCCESS

    def SCardCancel(self, ctx: int) -> int:
        with self.cond:
            self._cancelled.add(ctx)
            self._changed()
        return real.SCARD_S_SUCCESS

    def SCardListReaders(self, ctx: int, groups: list[str]) -> tuple[int, list[str]]:
        if self.list_exceptions:
            raise self.list_exceptions.popleft()
        with self.cond:
            if ctx not in self.contexts:
                return real.SCARD_E_NO_SERVICE, []
            if not self.readers:
                return real.SCARD_E_NO_READERS_AVAILABLE, []
            return real.SCARD_S_SUCCESS, list(self.readers)

    def _state(self, reader: str) -> int:
        if reader not in self.readers:
            return real.SCARD_STATE_UNKNOWN
        counter = self.counters.get(reader, 0) << 16
        if reader in self.cards:
            in_use = real.SCARD_STATE_INUSE if self.in_use.get(reader) else 0
            return counter | real.SCARD_STATE_PRESENT | in_use
        return counter | real.SCARD_STATE_EMPTY

    def SCardGetStatusChange(
        self, ctx: int, timeout_ms: int, states: list[tuple[str, int]]
    ) -> tuple[int, list[Any]]:
        ((reader, known),) = states
        with self.cond:
            deadline_s = timeout_ms / 1000 / 20  # fake time runs fast
            while True:
                if not self.service_up or ctx not in self.contexts:
                    return real.SCARD_F_COMM_ERROR, []
                if ctx in self._cancelled:
                    self._cancelled.discard(ctx)
                    return real.SCARD_E_CANCELLED, []
                state = self._state(reader)
                if state != known:
                    atr = ATR if reader in self.cards else []
                    return real.SCARD_S_SUCCESS, [(reader, state | real.SCARD_STATE_CHANGED, atr)]
                if not self.cond.wait(deadline_s):
                    return real.SCARD_E_TIMEOUT, []

    def SCardConnect(
        self, ctx: int, reader: str, share: int, protocols: int
    ) -> tuple[int, int, int]:
        with self.cond:
            self.connects += 1
            if self.connect_errors:
                return self.connect_errors.popleft(), 0, 0
            if not self.service_up:
                return real.SCARD_E_NO_SERVICE, 0, 0
            if reader not in self.cards:
                return real.SCARD_E_NO_SMARTCARD, 0, 0
            # Connecting changes the reader state (INUSE) but not the event counter.
            self.in_use[reader] = True
            self._changed()
            return real.SCARD_S_SUCCESS, hash(reader) & 0xFFFF, real.SCARD_PROTOCOL_T1

    def SCardTransmit(self, card: int, protocol: int, apdu: list[int]) -> tuple[int, list[int]]:
        with self.cond:
            if self.transmit_answers:
                return self.transmit_answers.popleft()
            reader = next(r for r in self.readers if hash(r) & 0xFFFF == card)
            uid = self.cards.get(reader)
            if uid is None:
                return real.SCARD_W_REMOVED_CARD, []
            if apdu == [0xFF, 0xCA, 0x00, 0x00, 0x00]:
                return real.SCARD_S_SUCCESS, [*uid, 0x90, 0x00]
            return real.SCARD_S_SUCCESS, [0x6D, 0x00]

    def SCardDisconnect(self, card: int, disposition: int) -> int:
        with self.cond:
            for reader in self.in_use:
                if hash(reader) & 0xFFFF == card:
                    self.in_use[reader] = False
            self._changed()
        return real.SCARD_S_SUCCESS
