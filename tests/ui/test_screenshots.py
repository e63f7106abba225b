"""Every screen at 800x480, 1280x800 and 1080x1920, in both languages: a screenshot under
tests/artifacts/screens/ and a layout check (no clipped, off-screen or overlapping text,
touch targets >= 48 px). Screens other branches register are shot in their first state."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.domain import messages
from kiosk.domain.model import Reason
from tests.ui.conftest import ARTIFACTS, SIZES, Ui
from tests.ui.layout_check import layout_problems
from tests.ui.standins import RemoteActions, TechnicianAccess
from tests.unit.ui.support import result

SHOTS = ARTIFACTS / "screens"

# The longest texts each screen shows, so a layout that fits these fits all.
LONG_REFUSAL = result(False, messages.denied_key(Reason.ANTI_PASSBACK), reason="anti_passback",
                      detail={"retry_at": "10:02"})
FULL_GRANT = result(True, "access.granted", name="欧阳*华", visits=12, locker="A-103", see_staff=True,
                    detail={"locker_failed": "true"})


def states(ui: Ui) -> list[tuple[str, str, dict[str, Any]]]:
    """(file name, screen, what go() is given)."""
    shown: list[tuple[str, str, dict[str, Any]]] = [
        ("home", "home", {}),
        ("member_granted", "member_result", {"result": FULL_GRANT}),
        ("member_refused", "member_result", {"result": LONG_REFUSAL}),
        ("technician", "technician", {}),
        ("diagnostics", "diagnostics", {}),
    ]
    mine = {"home", "member_result", "technician", "diagnostics", "out_of_service"}
    shown += [(name, name, {}) for name in ui.app.screens.screen_names if name not in mine]
    return shown


def shoot(ui: Ui, path: Path) -> None:
    for _ in range(3):
        ui.frame()
    saved = ui.window.screenshot(name=str(path))
    shutil.move(saved, path)


def test_every_screen_at_every_size_fits_and_is_saved(make_ui: Callable[..., Ui]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    ui = make_ui(idle_result_s=120, extras={"technician_access": TechnicianAccess(),
                                            "remote_actions": RemoteActions()})
    problems: list[str] = []
    saved: list[Path] = []
    for size in SIZES:
        ui.resize(size)
        for lang in ("zh_CN", "en"):
            ui.app.set_language(lang)
            for state, screen, params in states(ui):
                ui.app.go(screen, **params)
                ui.wait(lambda s=screen: ui.app.screens.current == s, state)
                if state == "diagnostics":
                    diag = ui.screen("diagnostics")
                    ui.wait(lambda d=diag: len(d.ids.rows.children) >= 5, "diagnostics rows")
                path = SHOTS / f"{state}-{size[0]}x{size[1]}-{lang}.png"
                shoot(ui, path)
                saved.append(path)
                problems += [f"{path.name}: {p}" for p in layout_problems(ui.app.screens.current_screen,
                                                                          size)]
        # out of service needs a critical device down (the health poll would leave it otherwise)
        ui.app.go("home")
        ui.kiosk.reader.unplug()
        ui.wait(lambda: ui.app.screens.current == "out_of_service", "out of service", timeout=8)
        for lang in ("zh_CN", "en"):
            ui.app.set_language(lang)
            path = SHOTS / f"out_of_service-{size[0]}x{size[1]}-{lang}.png"
            shoot(ui, path)
            saved.append(path)
            problems += [f"{path.name}: {p}" for p in layout_problems(ui.app.screens.current_screen, size)]
        ui.kiosk.reader.replug()
        ui.wait(lambda: ui.app.health.get("card_reader") is not None and
                ui.app.health["card_reader"].is_ok, "the reader back", timeout=8)
    assert problems == []
    assert all(p.stat().st_size > 5000 for p in saved)  # a real frame, not an empty file


def test_the_layout_check_catches_clipped_overlapping_and_tiny(kivy_window: Any) -> None:
    from kivy.uix.button import Button
    from kivy.uix.floatlayout import FloatLayout
    from kivy.uix.label import Label

    root = FloatLayout(size=(400, 300))
    root.add_widget(Label(text="a long text that cannot fit", size_hint=(None, None), size=(40, 20),
                          pos=(0, 0)))
    root.add_widget(Label(text="first", size_hint=(None, None), size=(100, 40), pos=(200, 200)))
    root.add_widget(Label(text="second", size_hint=(None, None), size=(100, 40), pos=(210, 210)))
    root.add_widget(Button(text="", size_hint=(None, None), size=(30, 30), pos=(100, 100)))
    root.add_widget(Label(text="gone", size_hint=(None, None), size=(100, 40), pos=(390, 10)))
    problems = layout_problems(root, (400, 300))
    assert any("clipped" in p and "a long text" in p for p in problems)
    assert any("'first'" in p and "'second'" in p and "over each other" in p for p in problems)
    assert any("touch target" in p for p in problems)
    assert any("'gone'" in p and "off the" in p for p in problems)
    assert len(problems) == 4
