"""What every visitor screen shares: the one VisitorSession of the app (built on first use
around the Kiosk's visitor desk), and a redraw after each of its changes. Not a screen."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.ui.presenters.background import Background
from kiosk.ui.presenters.texts import Text
from kiosk.ui.presenters.visitor_session import VisitorSession

from .base import KioskScreen

_SESSION_ATTR = "_visitor_session"


def own_thread(adapter: Any) -> Background:
    """A wait for reception blocks for minutes: it runs on a thread of its own, its answer
    still delivered on the UI thread through the adapter, so it never holds a shared worker."""

    def run(work: Callable[[], Any], done: Callable[[Any], None],
            failed: Callable[[BaseException], None]) -> None:
        def body() -> None:
            try:
                result = work()
            except Exception as exc:
                adapter.on_ui(failed)(exc)
                return
            adapter.on_ui(done)(result)

        threading.Thread(target=body, name="ui-visitor-wait", daemon=True).start()

    return run


def session_of(shell: Any) -> VisitorSession:
    """The app's visitor session, built once; the desk's ID card reads reach it on the UI thread."""
    session: VisitorSession | None = getattr(shell, _SESSION_ATTR, None)
    if session is not None:
        return session
    desk = shell.kiosk.visitor_desk
    settings = desk.settings

    def navigate(name: str) -> None:
        shell.go(name)

    session = VisitorSession(
        desk, shell.adapter.run, notice_version=settings.privacy_notice_version,
        today=lambda: datetime.now(settings.zone).date(), navigate=navigate,
        current=lambda: shell.screens.current if shell.screens is not None else "",
        gettext=shell.translate, approval_wait_s=settings.approval_wait_s,
        wait=own_thread(shell.adapter))
    setattr(shell, _SESSION_ATTR, session)

    def on_result(result: Any) -> None:
        if result.card is not None:
            session.card_read(result.card)

    unsubscribe = desk.subscribe(shell.adapter.on_ui(on_result))
    getattr(shell, "_unsubscribe", []).append(unsubscribe)
    return session


class VisitorScreen(KioskScreen):
    """A visitor screen: `refresh()` redraws from the session; wipe() wipes the session."""

    def on_shell(self, _inst: Any, shell: Any) -> None:
        if shell is not None:
            session_of(shell).redraw.append(self._redraw_if_shown)

    @property
    def session(self) -> VisitorSession:
        return session_of(self.shell)

    def t(self, value: Text | None) -> str:
        if value is None or self.shell is None:
            return ""
        return value.render(self.shell.translate, self.shell.lang)

    def _redraw_if_shown(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.refresh()

    def show(self, **params: Any) -> None:
        self.refresh()

    def retext(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Draw the session's state (texts in the shell's language)."""

    def wipe(self) -> None:
        if self.shell is not None:
            self.session.wipe()

    def cancel(self) -> None:
        """Cancel on any visitor screen: back Home, everything wiped."""
        self.shell.go_home()
