"""Out of service: shown instead of Home while a critical device is down (presenters.out_of_service)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.out_of_service import OutOfServiceView, present

from .base import KioskScreen
from .registry import HOME, OUT_OF_SERVICE, VISITOR, register, registered


@register(OUT_OF_SERVICE)
class OutOfServiceScreen(KioskScreen):
    idle_kind = IdleKind.NONE
    view: OutOfServiceView | None = ObjectProperty(None, allownone=True)
    _watching_home = False

    @property
    def has_visitor(self) -> bool:
        return registered(VISITOR)

    def show(self, **_params: Any) -> None:
        self.retext()

    def retext(self) -> None:
        if self.shell is not None:
            self.view = present(self.shell.health, self.shell.translate)
            home = self._home()
            self.ids.help_text.text = home.view.help_text if home is not None and home.view else ""

    def _home(self) -> Any:
        """Home owns the help call and its state; this screen shows the same state, kept
        current by watching Home's view (a call answers after the press returned)."""
        if self.shell is None or self.shell.screens is None or not self.shell.screens.has_screen(HOME):
            return None
        home = self.shell.screens.get_screen(HOME)
        if not self._watching_home:
            home.bind(view=lambda *_a: self.retext())
            self._watching_home = True
        return home

    def press_help(self) -> None:
        home = self._home()
        if home is not None:
            home.press_help()
