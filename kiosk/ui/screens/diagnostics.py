"""Diagnostics for the technician: live checks, live tests, the last card read
(presenters.diagnostics). Refreshed every REFRESH_S while shown."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ObjectProperty

from kiosk.ui.presenters.diagnostics import DiagnosticsPresenter, DiagnosticsView
from kiosk.ui.presenters.idle import IdleKind

from .base import KioskScreen
from .registry import DIAGNOSTICS, register

REFRESH_S = 2.0


@register(DIAGNOSTICS)
class DiagnosticsScreen(KioskScreen):
    idle_kind = IdleKind.TECHNICIAN
    view: DiagnosticsView | None = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.presenter: DiagnosticsPresenter | None = None
        self._refresh: Any = None
        self._fetching = False

    def on_shell(self, _inst: Any, shell: Any) -> None:
        if shell is not None:
            self.presenter = DiagnosticsPresenter(shell.kiosk)
            self.retext()

    def retext(self) -> None:
        if self.presenter is not None and self.shell is not None:
            self.view = self.presenter.view(self.shell.translate)

    def show(self, **params: Any) -> None:
        assert self.presenter is not None
        if "technician" in params:
            self.presenter.technician = str(params["technician"])
        if "tap" in params:
            self.presenter.tapped(params["tap"])
            self.retext()

    def on_enter(self, *_args: Any) -> None:
        self.refresh()
        self._refresh = Clock.schedule_interval(lambda _dt: self.refresh(), REFRESH_S)

    def on_leave(self, *_args: Any) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None

    def refresh(self) -> None:
        if self.presenter is None or self._fetching:
            return
        self._fetching = True
        self.shell.adapter.run(self.presenter.fetch(self.shell.translate), self._fetched,
                               self._fetch_failed)

    def _fetched(self, rows: Any) -> None:
        assert self.presenter is not None
        self._fetching = False
        self.presenter.fetched(rows)
        self.retext()

    def _fetch_failed(self, exc: BaseException) -> None:
        assert self.presenter is not None
        self._fetching = False
        self.presenter.action_failed(exc)
        self.retext()

    def run_action(self, name: str) -> None:
        assert self.presenter is not None
        action = self.presenter.run_action(name)
        self.retext()
        if action is not None:
            self.shell.adapter.run(action, self._action_done, self._action_failed)

    def _action_done(self, outcome: Any) -> None:
        assert self.presenter is not None
        self.presenter.action_done(outcome)
        self.retext()

    def _action_failed(self, exc: BaseException) -> None:
        assert self.presenter is not None
        self.presenter.action_failed(exc)
        self.retext()

    def on_view(self, _inst: Any, view: DiagnosticsView | None) -> None:
        rows, actions = self.ids.rows, self.ids.actions
        rows.clear_widgets()
        actions.clear_widgets()
        if view is None:
            return
        for status, name, summary, bad in view.rows:
            rows.add_widget(Factory.DiagRow(status=status, name=name, summary=summary, bad=bad))
        for action, label in view.actions:
            button = Factory.KioskButton(text=label)
            button.bind(on_release=lambda _b, a=action: self.run_action(a))
            actions.add_widget(button)

    def wipe(self) -> None:
        if self.presenter is not None:
            self.presenter.wipe()
            self.retext()
