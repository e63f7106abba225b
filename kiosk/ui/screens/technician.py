"""Technician PIN, reached by holding the hidden corner (presenters.technician)."""

from __future__ import annotations

import logging
from typing import Any

from kivy.properties import ObjectProperty

from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.technician import PinView, TechnicianPinPresenter

from .base import KioskScreen
from .registry import DIAGNOSTICS, TECHNICIAN, register

log = logging.getLogger(__name__)


@register(TECHNICIAN)
class TechnicianScreen(KioskScreen):
    idle_kind = IdleKind.TECHNICIAN
    view: PinView | None = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.presenter: TechnicianPinPresenter | None = None

    def on_shell(self, _inst: Any, shell: Any) -> None:
        if shell is not None:
            self.presenter = TechnicianPinPresenter(shell.service("technician_access"))
            self.retext()

    def retext(self) -> None:
        if self.presenter is not None and self.shell is not None:
            self.view = self.presenter.view(self.shell.translate)

    def show(self, **_params: Any) -> None:
        self.retext()

    def key(self, digit: str) -> None:
        assert self.presenter is not None
        self.presenter.press(digit)
        self.retext()

    def backspace(self) -> None:
        assert self.presenter is not None
        self.presenter.backspace()
        self.retext()

    def submit(self) -> None:
        assert self.presenter is not None
        check = self.presenter.submit()
        self.retext()
        if check is not None:
            self.shell.adapter.run(check, self._checked, self._failed)

    def _checked(self, technician: str | None) -> None:
        assert self.presenter is not None
        if self.presenter.checked(technician):
            log.info("technician entered diagnostics at the kiosk")
            self.shell.go(DIAGNOSTICS, technician=technician)
        else:
            log.warning("technician PIN refused at the kiosk (%d in a row)", self.presenter.failures)
        self.retext()

    def _failed(self, exc: BaseException) -> None:
        assert self.presenter is not None
        log.error("technician PIN check failed: %s", exc)
        self.presenter.check_failed(exc)
        self.retext()

    def wipe(self) -> None:
        if self.presenter is not None:
            self.presenter.wipe()
            self.retext()
