"""The base of every screen: its idle kind, and the hooks the app calls (show, wipe, retext)."""

from __future__ import annotations

from typing import Any, ClassVar

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui.presenters.idle import IdleKind


class KioskScreen(Screen):
    idle_kind: ClassVar[IdleKind] = IdleKind.FORM
    shell = ObjectProperty(None, allownone=True)  # the KioskApp, set when the app builds

    def show(self, **params: Any) -> None:
        """Called before the screen is made current, with what the caller passes to go()."""

    def wipe(self) -> None:
        """Forget everything entered or shown (idle timeout, cancel). Must leave no trace."""

    def retext(self) -> None:
        """The language changed: texts built in Python (not in .kv) are built again."""
