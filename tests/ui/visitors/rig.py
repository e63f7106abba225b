"""The visitor screens' harness: the real app around a Kiosk from bootstrap.build that is
enrolled with a real central (uvicorn on loopback, tests/fixtures/sync.py), with a sim://
ID card reader and an escpos-file:// printer; helpers to walk the steps with touches."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from kiosk import config
from kiosk.sync.engine import SyncSettings
from tests.fixtures.central import wait_until
from tests.fixtures.sync import KioskRig
from tests.ui.conftest import ARTIFACTS, Ui

FAST = SyncSettings(interval_s=60, long_poll_s=2, backoff_base_s=0.1, backoff_cap_s=0.5)
RIC = "11010519491231002X"
PIN = "482913"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def visitor_config(rig: KioskRig, name: str, printer: str, url: str, **ui: Any) -> config.Config:
    return config.from_dict({
        "kiosk": {"data_dir": str(rig.data_dir), "facility": "gym", "name": "会所大堂"},
        "devices": {"card_reader": f"sim://?name={name}", "relay": f"sim://?name={name}",
                    "id_reader": f"sim://?name={name}", "qr_scanner": f"sim://?name={name}",
                    "printer": printer},
        "central": {"url": url},
        "visitors": {"approval_wait_s": 60},
        "ui": {"fullscreen": False, "size": "800x480", "idle_form_s": 30, "idle_result_s": 5, **ui},
    })


@pytest.fixture
def visitor_ui(kivy_window: Any, make_kiosk: Callable[..., KioskRig], tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Callable[..., tuple[Ui, KioskRig]]]:
    """visitor_ui(**ui) -> (the running app, its kiosk's rig at central); central has a host
    "3-1201" and a receptionist "rita" with PIN 482913, both synced before the app starts."""
    from central.services import hosts, users
    from kiosk.bootstrap import build
    from kiosk.ui.app import make_app
    from kiosk.ui.sounds import Sounds

    started: list[tuple[Any, Any]] = []
    users.set_pin_hasher(CHEAP)

    def make(*, through_proxy: bool = False, **ui: Any) -> tuple[Ui, KioskRig]:
        rig = make_kiosk()
        if not through_proxy:
            # Straight to central: the FaultProxy keeps one upstream connection per client and
            # does not reconnect when uvicorn closes it after its 5 s keep-alive, so a request
            # after a pause (a visitor typing) would hang there. Only fault tests need it.
            from kiosk.sync import client

            client.save_enrollment(rig.data_dir, rig.srv.base, rig.kiosk_id, "ui")
        hosts.add(rig.srv.central, "unit", "3-1201", "3号楼")
        hosts.add(rig.srv.central, "company", "华润大厦 12楼", "")
        rig.srv.add_user("rita", "receptionist")
        users.set_pin(rig.srv.central, "rita", PIN)
        rig.close()
        name = f"uv-{request.node.name}"[:40].replace("[", "-").replace("]", "")
        lp = tmp_path / f"lp-{len(started)}"
        lp.touch()
        url = rig.proxy.url if through_proxy else rig.srv.base
        kiosk = build(visitor_config(rig, name, f"escpos-file://{lp}", url, **ui), sync_settings=FAST)
        kiosk.start()
        sounds = Sounds(enabled=False)
        app = make_app(kiosk, sounds=sounds)
        started.append((app, kiosk))
        app._run_prepare()
        harness = Ui(app, kiosk, kivy_window, played=sounds.played)
        harness.resize((800, 480))
        harness.wait(lambda: app.health, "the first health poll")
        # The kiosk's own first sync brings the hosts and the PINs.
        harness.wait(lambda: kiosk.visitor_desk.search_hosts("3-12"), "the host directory synced")
        harness.wait(lambda: kiosk.visitor_desk.pin_approval.receptionists(), "the PINs synced")
        return harness, rig

    yield make
    for app, kiosk in started:
        try:
            app.dispatch("on_stop")
            for child in list(kivy_window.children):
                kivy_window.remove_widget(child)
            from kivy.app import App

            App._running_app = None
        finally:
            kiosk.stop()


# -- walking the steps ---------------------------------------------------------------------
def settle(ui: Ui, screen: str) -> None:
    """The screen is showing and laid out (a tap lands where its button is drawn)."""
    ui.wait(lambda: ui.app.screens.current == screen, f"screen {screen}")
    for _ in range(3):
        ui.frame()


def tap_on(ui: Ui, wid: str, screen: str) -> None:
    settle(ui, screen)
    ui.tap(wid, screen)


def steps_screen(ui: Ui) -> Any:
    return ui.screen("visitor")


def on_step(ui: Ui, step: str) -> None:
    ui.wait(lambda: ui.app.screens.current == "visitor" and steps_screen(ui).step == step, f"step {step}")


def type_into(ui: Ui, wid: str, text: str) -> None:
    """Type on the step's entry: a Keypad's keys are touched one by one; a text box (the
    country, the host search) gets the text as its keyboard would give it."""
    widget = ui.widget(wid, "visitor")
    keys = getattr(widget, "keys", None)
    if keys is None:
        widget.text = text
        ui.frame()
        return
    for char in text.upper():
        if char not in widget.keys:  # on the keypad's other page (letters / digits)
            ui.press(widget.keys["page"])
        ui.press(widget.keys[char])
    ui.wait(lambda: widget.text == text.upper(), f"{wid} typed")


def type_name(ui: Ui, syllables: list[tuple[str, str]]) -> None:
    """Touch the name keyboard: each (pinyin, character) typed, then its candidate touched."""
    kb = ui.widget("name", "visitor")
    for letters, char in syllables:
        for letter in letters:
            ui.press(next(k for k in kb._letter_keys if k.key == letter))
        ui.wait(lambda c=char: any(k.text == c for k in kb._candidate_keys), f"candidate {char}")
        ui.press(next(k for k in kb._candidate_keys if k.text == char))


WANG_XIAOER = [("wang", "王"), ("xiao", "小"), ("er", "二")]


def tap_next(ui: Ui) -> None:
    ui.tap("next", "visitor")


def list_buttons(container: Any) -> list[Any]:
    """Buttons under a layout or RecycleView, top to bottom."""
    found = [w for w in container.walk(restrict=True) if hasattr(w, "on_release") and w is not container]
    return sorted(found, key=lambda w: -w.to_window(*w.pos)[1])


def choose_host(ui: Ui, query: str, label: str) -> None:
    type_into(ui, "host_query", query)
    host_list = ui.widget("host_list", "visitor")
    ui.wait(lambda: any(label in b.text for b in list_buttons(host_list)), f"host {label} listed")
    (button,) = [b for b in list_buttons(host_list) if label in b.text]
    ui.press(button)


def choose_purpose(ui: Ui, index: int = 0) -> None:
    buttons = list_buttons(ui.widget("purposes", "visitor"))
    ui.press(buttons[index])


def fill_after_id(ui: Ui, *, name: list[tuple[str, str]] | None = WANG_XIAOER,
                  mobile: str = "13800138000") -> None:
    """From the name step to the privacy step; `name` None when the card gave it."""
    on_step(ui, "name")
    if name is not None:
        settle(ui, "visitor")
        type_name(ui, name)
    tap_next(ui)
    on_step(ui, "mobile")
    type_into(ui, "mobile", mobile)
    tap_next(ui)
    on_step(ui, "host")
    choose_host(ui, "312", "3-1201")  # the unit number as its digits (initials match)
    tap_next(ui)
    on_step(ui, "purpose")
    choose_purpose(ui, 0)
    tap_next(ui)
    on_step(ui, "party")
    ui.tap("more", "visitor")
    tap_next(ui)
    on_step(ui, "privacy")
    ui.tap("consent", "visitor")
    ui.wait(lambda: steps_screen(ui).consent, "consent ticked")


def central_visit(rig: KioskRig, timeout: float = 15) -> Any:
    from sqlalchemy import select

    from central.models import Visit

    def pending() -> Any:
        with rig.srv.central.db.reading() as s:
            rows = list(s.execute(select(Visit).where(Visit.kiosk_id == rig.kiosk_id)).scalars())
            for r in rows:
                s.expunge(r)
            return rows[0] if rows else None

    return wait_until(pending, timeout, "central to have the visit")


def screenshot(ui: Ui, name: str) -> Path:
    """The current screen at the window's size, saved under tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    for _ in range(3):
        ui.frame()
    ui.app.screens.current_screen.export_to_png(str(path))
    return path


def zbar(path: Path) -> str:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg missing: install Debian zbar-tools (make sysdeps)"
    out = subprocess.run([zbarimg, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"zbarimg found no code in {path}"
    return out.stdout.rstrip("\n")
