"""Member result after a card tap: granted or refused, with its sound (presenters.member_result)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty

from kiosk.ui.ports import EntranceResultLike
from kiosk.ui.presenters.idle import IdleKind
from kiosk.ui.presenters.member_result import MemberResultView, present

from .base import KioskScreen
from .registry import MEMBER_RESULT, register


@register(MEMBER_RESULT)
class MemberResultScreen(KioskScreen):
    idle_kind = IdleKind.RESULT
    view: MemberResultView | None = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result: EntranceResultLike | None = None

    def show(self, **params: Any) -> None:
        result = params.get("result")
        if result is None:
            return
        self.result = result
        self.retext()
        if self.view is not None:
            self.shell.sounds.play(self.view.sound.value)

    def retext(self) -> None:
        if self.result is not None and self.shell is not None:
            self.view = present(self.result, self.shell.translate, self.shell.lang)

    def wipe(self) -> None:
        self.result = None
        self.view = None
