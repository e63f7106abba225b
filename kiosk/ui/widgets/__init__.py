"""Small widgets the shell's screens share: the technician's hidden corner, a diagnostics row.

Kept to what Kivy lacks; layout lives in the .kv files (widgets.kv holds their looks).
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

TECHNICIAN_HOLD_S = 3.0


class CornerHold(Widget):
    """An invisible corner: held for `hold_s` it fires on_hold (the technician's entry).
    Lifting or sliding off before then cancels; nothing shows, so members never find it."""

    hold_s = NumericProperty(TECHNICIAN_HOLD_S)
    __events__ = ("on_hold",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: Any = None
        self._touch_uid: int | None = None

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        self._cancel()
        self._touch_uid = touch.uid
        self._pending = Clock.schedule_once(lambda _dt: self._fire(), self.hold_s)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.uid == self._touch_uid and not self.collide_point(*touch.pos):
            self._cancel()
        return super().on_touch_move(touch)

    def on_touch_up(self, touch: Any) -> bool:
        if touch.uid == self._touch_uid:
            self._cancel()
            return True
        return super().on_touch_up(touch)

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
        self._pending = None
        self._touch_uid = None

    def _fire(self) -> None:
        self._pending = None
        self._touch_uid = None
        self.dispatch("on_hold")

    def on_hold(self) -> None:
        pass


class DiagRow(BoxLayout):
    """One diagnostics check: status, name, summary (its looks are in diagnostics.kv)."""

    status = StringProperty("")
    name = StringProperty("")
    summary = StringProperty("")
    bad = BooleanProperty(False)
