"""Home: tap your card, visitor check-in, invitation, 中文/English, Help (presenters.home)."""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.properties import NumericProperty, ObjectProperty

from kiosk.ui.presenters.home import HomePresenter, HomeView
from kiosk.ui.presenters.idle import IdleKind

from .base import KioskScreen
from .registry import HOME, INVITATION, VISITOR, register, registered


@register(HOME)
class HomeScreen(KioskScreen):
    idle_kind = IdleKind.NONE
    view: HomeView = ObjectProperty(None, allownone=True)
    pulse = NumericProperty(0.0)  # 0..1, drives the tap-your-card animation

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.presenter: HomePresenter | None = None
        self._anim: Animation | None = None

    def on_shell(self, _inst: Any, shell: Any) -> None:
        if shell is not None:
            self.presenter = HomePresenter(shell.kiosk_name, shell.service("help_call"))
            self.retext()

    @property
    def has_visitor(self) -> bool:
        return registered(VISITOR)

    @property
    def has_invitation(self) -> bool:
        return registered(INVITATION)

    def retext(self) -> None:
        if self.presenter is not None and self.shell is not None:
            self.view = self.presenter.view(self.shell.translate, self.shell.lang)

    def on_enter(self, *_args: Any) -> None:
        self._anim = Animation(pulse=1.0, duration=0.9, t="out_quad") + \
            Animation(pulse=0.0, duration=0.9, t="in_quad")
        self._anim.repeat = True
        self._anim.start(self)

    def on_leave(self, *_args: Any) -> None:
        if self._anim is not None:
            self._anim.cancel(self)
        self.pulse = 0.0

    def press_help(self) -> None:
        assert self.presenter is not None and self.shell is not None
        call = self.presenter.press_help()
        self.retext()
        if call is not None:
            self.shell.adapter.run(call, self._help_done, self._help_failed)

    def _help_done(self, outcome: Any) -> None:
        assert self.presenter is not None
        self.presenter.help_done(outcome)
        self.retext()

    def _help_failed(self, exc: BaseException) -> None:
        assert self.presenter is not None
        self.presenter.help_failed(exc)
        self.retext()

    def wipe(self) -> None:
        if self.presenter is not None:
            self.presenter.reset()
            self.retext()
