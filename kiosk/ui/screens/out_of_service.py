"""Out of service: shown instead of Home while a critical device is down (presenters.out_of_service)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.out_of_service import OutOfServiceView, present

from .base import KioskScreen
from .registry import OUT_OF_SERVICE, VISITOR, register, registered


@register(OUT_OF_SERVICE)
class OutOfServiceScreen(KioskScreen):
    idle_kind = IdleKind.NONE
    view: OutOfServiceView | None = ObjectProperty(None, allownone=True)

    @property
    def has_visitor(self) -> bool:
        return registered(VISITOR)

    def show(self, **_params: Any) -> None:
        self.retext()

    def retext(self) -> None:
        if self.shell is not None:
            self.view = present(self.shell.health, self.shell.translate)

    def press_help(self) -> None:
        # Home owns the help call and its state; the same presenter serves both screens.
        home = self.shell.screens.get_screen("home")
        home.press_help()
        self.ids.help_text.text = home.view.help_text if home.view else ""
