"""The Kivy app: builds every registered screen around the one Kiosk and runs the shell rules.

The shell owns what no single screen should: navigation (`go`), the language, the idle
timeout (back Home, everything entered wiped), the member result after a card tap, the
out-of-service screen while a critical device is down, and the technician's hidden entry.
Service calls go through the one UiAdapter; Kivy is configured by kiosk.ui.window first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import DictProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.ui import i18n
from kiosk.ui.adapter import UiAdapter
from kiosk.ui.ports import EntranceResultLike, HealthLike, KioskPort
from kiosk.ui.presenters.idle import IdleTimer
from kiosk.ui.presenters.out_of_service import critical_down
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.registry import (
    DIAGNOSTICS,
    HOME,
    INVITATION,
    MEMBER_RESULT,
    OUT_OF_SERVICE,
    TECHNICIAN,
    discover,
)
from kiosk.ui.sounds import Sounds
from kiosk.ui.widgets import CornerHold  # noqa: F401 - the .kv rules name it

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
THEME_KV = HERE / "theme.kv"
IDLE_CHECK_S = 0.25
HEALTH_POLL_S = 2.0
STOP_CHECK_S = 0.2
# The design size: fonts and spacing scale from it (an 800x480 panel is scale 1).
BASE_LONG, BASE_SHORT = 800, 480
MIN_TOUCH_PX = 48

THEME = {
    "background": [0.07, 0.08, 0.10, 1],
    "text": [1, 1, 1, 1],
    "muted": [0.80, 0.82, 0.86, 1],
    "notice": [1.0, 0.85, 0.35, 1],
    "button": [0.22, 0.25, 0.30, 1],
    "button_down": [0.35, 0.38, 0.44, 1],
    "button_text": [1, 1, 1, 1],
    "primary": [0.05, 0.45, 0.85, 1],
    "primary_down": [0.03, 0.32, 0.62, 1],
    "primary_text": [1, 1, 1, 1],
    "granted": [0.10, 0.55, 0.25, 1],
    "refused": [0.70, 0.12, 0.12, 1],
    "reader": [0.30, 0.33, 0.38, 1],
}


def load_kv(path: Path) -> None:
    """Load a .kv file once per process (loading it again would add every rule twice)."""
    Builder.unload_file(str(path))
    Builder.load_file(str(path))


class KioskApp(App):
    lang = StringProperty(i18n.DEFAULT_LANGUAGE)
    scale = NumericProperty(1.0)
    touch_px = NumericProperty(64)  # the smallest touch target's side, >= 48 px
    theme = DictProperty(THEME)

    def __init__(self, kiosk: KioskPort, *, idle_form_s: float = 30, idle_result_s: float = 5,
                 adapter: UiAdapter | None = None, sounds: Sounds | None = None,
                 catalogs: i18n.Catalogs | None = None, stop: threading.Event | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kiosk = kiosk
        self.catalogs = catalogs or i18n.catalogs()
        cfg = getattr(kiosk, "config", None)
        self.kiosk_name: str = cfg.kiosk.name if cfg is not None else ""
        self.lang = self.default_language = cfg.kiosk.language if cfg is not None \
            else i18n.DEFAULT_LANGUAGE
        self.adapter = adapter or UiAdapter()
        self.sounds = sounds or Sounds()
        self.idle = IdleTimer(idle_form_s, idle_result_s)
        self.health: Mapping[str, HealthLike] = {}
        self.screens: ScreenManager | None = None
        self._stale_text: set[str] = set()  # screens not retexted since the language changed
        self._unsubscribe: list[Callable[[], None]] = []
        self._events: list[Any] = []
        self._stop_requested = stop  # set by another thread (a signal): the app ends itself

    # -- helpers the .kv rules use -----------------------------------------------------------
    # In .kv files write `22 * app.scale`, not `app.font(22)`: kv re-evaluates an expression
    # when a property it names changes, and a method call names none, so a size written as a
    # call keeps the window's first size when the window is resized.
    def font(self, size: float) -> float:
        return size * self.scale

    def px(self, size: float) -> float:
        return size * self.scale

    def translate(self, msgid: str) -> str:
        return self.catalogs.gettext(msgid, self.lang)

    def service(self, name: str) -> Any | None:
        """A part of the Kiosk that a build may lack (help_call, technician_access, ...)."""
        return getattr(self.kiosk, name, None)

    # -- building ----------------------------------------------------------------------------
    def build(self) -> ScreenManager:
        self.title = self.kiosk_name or "Lobby kiosk"
        Window.clearcolor = THEME["background"]
        Window.bind(size=self._on_window_size)
        self._on_window_size(Window, Window.size)
        load_kv(THEME_KV)
        sm = ScreenManager(transition=NoTransition())
        # Home first: a ScreenManager makes its first screen current, and entering any other
        # screen at start costs the first frame its work (Diagnostics ran every live check).
        for entry in sorted(discover(), key=lambda e: e.name != HOME):
            load_kv(entry.kv)
            screen = entry.factory(name=entry.name)
            screen.shell = self
            sm.add_widget(screen)
        self.screens = sm
        Window.bind(on_touch_down=self._on_any_touch)
        self._unsubscribe.append(self.kiosk.member_entrance.subscribe(
            self.adapter.on_ui(self.show_member_result)))
        scans = self.service("scans")
        if scans is not None:  # an invitation shown at the scanner checks in on the screen
            self._unsubscribe.append(scans.take_invitations(self.adapter.on_ui(self.invitation_scanned)))
        self._events.append(Clock.schedule_interval(self._check_idle, IDLE_CHECK_S))
        self._events.append(Clock.schedule_interval(lambda _dt: self.poll_health(), HEALTH_POLL_S))
        if self._stop_requested is not None:
            self._events.append(Clock.schedule_interval(self._check_stop, STOP_CHECK_S))
        sm.current = HOME
        self.poll_health()
        return sm

    def _on_window_size(self, _win: Any, size: tuple[int, int]) -> None:
        w, h = size
        # sizes are in the panel's own pixels, relative to an 800x480 panel
        self.scale = max(0.5, min(max(w, h) / BASE_LONG, min(w, h) / BASE_SHORT))
        self.touch_px = max(MIN_TOUCH_PX, 64 * self.scale)

    def on_stop(self) -> None:
        Window.unbind(size=self._on_window_size)
        Window.unbind(on_touch_down=self._on_any_touch)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for event in self._events:
            event.cancel()
        self.adapter.close()

    # -- navigation --------------------------------------------------------------------------
    @property
    def current(self) -> KioskScreen:
        assert self.screens is not None
        return self.screens.current_screen  # type: ignore[return-value]

    def go(self, name: str, **params: Any) -> None:
        assert self.screens is not None
        if not self.screens.has_screen(name):
            log.warning("ui: no screen named %r in this build", name)
            return
        screen: KioskScreen = self.screens.get_screen(name)  # type: ignore[assignment]
        if name in self._stale_text:
            self._stale_text.discard(name)
            screen.retext()
        screen.show(**params)
        self.screens.current = name
        self.idle.arm(screen.idle_kind)

    def home_name(self) -> str:
        return OUT_OF_SERVICE if critical_down(self.health) else HOME

    def go_home(self) -> None:
        """Back to the start, and nothing anyone entered or was shown is kept."""
        assert self.screens is not None
        for screen in self.screens.screens:
            screen.wipe()  # type: ignore[attr-defined]
        if self.lang != self.default_language:
            self.set_language(self.default_language)
        self.go(self.home_name())

    def set_language(self, lang: str) -> None:
        if lang not in i18n.LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        assert self.screens is not None
        # Only the screen in view is retexted now; the others when `go` shows them. Retexting
        # every screen (Diagnostics and the visitor steps rebuild their widgets) stalled the
        # frame after a touch on the language button for a few hundred ms under load.
        self._stale_text = set(self.screens.screen_names) - {self.screens.current}
        self.current.retext()

    def toggle_language(self) -> None:
        langs = i18n.LANGUAGES
        self.set_language(langs[(langs.index(self.lang) + 1) % len(langs)])

    # -- shell rules -------------------------------------------------------------------------
    def _on_any_touch(self, *_args: Any) -> None:
        self.idle.touched()  # returns None: the touch goes on to the widgets

    def _check_stop(self, _dt: float) -> None:
        if self._stop_requested is not None and self._stop_requested.is_set():
            self.stop()

    def _check_idle(self, _dt: float) -> None:
        if self.idle.expired():
            self.go_home()

    def show_member_result(self, result: EntranceResultLike) -> None:
        """On the UI thread (through the adapter) after every card tap."""
        if self.screens is None:
            return
        if self.screens.current in (TECHNICIAN, DIAGNOSTICS):
            # the technician is testing the reader: diagnostics shows the tap itself
            self.current.show(tap=result)
            return
        self.go(MEMBER_RESULT, result=result)

    def invitation_scanned(self, qr_text: str) -> None:
        """On the UI thread: an invitation shown at Home or on the invitation screen checks in;
        while a visitor or member is half-way through something else it is not taken."""
        if self.screens is None or not self.screens.has_screen(INVITATION):
            return
        if self.screens.current not in (HOME, INVITATION):
            log.info("ui: an invitation was scanned while %s shows; not taken", self.screens.current)
            return
        if self.screens.current == HOME:
            self.go(INVITATION)
        self.current.scanned(qr_text)  # type: ignore[attr-defined]

    def poll_health(self) -> None:
        self.adapter.run(self.kiosk.health, self._on_health,
                         lambda exc: log.error("ui: health check failed: %s", exc))

    def _on_health(self, health: Mapping[str, HealthLike]) -> None:
        self.health = dict(health)
        if self.screens is None:
            return
        current = self.screens.current
        want = self.home_name()
        if current in (HOME, OUT_OF_SERVICE) and current != want:
            self.go(want)
        elif current == OUT_OF_SERVICE:
            self.current.show()

    def technician_entry(self) -> None:
        self.go(TECHNICIAN)


def make_app(kiosk: KioskPort, font: Path | None = None, **kwargs: Any) -> KioskApp:
    """The app for a built Kiosk: the CJK font (found now unless given) drawn everywhere."""
    from kiosk.ui import fonts

    fonts.install_default_font(font or fonts.find_cjk_font())
    idle: dict[str, Any] = {}
    ui = getattr(getattr(kiosk, "config", None), "ui", None)
    if ui is not None:
        idle = {"idle_form_s": ui.idle_form_s, "idle_result_s": ui.idle_result_s}
    return KioskApp(kiosk, **idle, **kwargs)
