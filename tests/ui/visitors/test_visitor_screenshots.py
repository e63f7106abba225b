"""Every visitor screen in its fullest state at 800x480, 1280x800 and 1080x1920, in both
languages: a screenshot under tests/artifacts/visitor/, the shell's layout check (no clipped,
off-screen or overlapping text; touch targets >= 48 px), and the slip's QR read back from the
screenshot with zbarimg at every size."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from devices import IdCard, Slip
from devices.events import IdType
from kiosk.app import visitor_desk as vd
from kiosk.app.invitation import InvitationCheck, InvitationReason
from kiosk.app.visitor_desk import VisitorTicket
from kiosk.store import HostEntry
from kiosk.ui.presenters.texts import text
from kiosk.ui.presenters.visitor_steps import Step
from kiosk.ui.presenters.visitor_visit import (
    PIN_TEXTS,
    PRINT_FAILED_TEXT,
    PRINTED_TEXT,
    REFUSED_TEXTS,
    UNREACHABLE_TEXT,
    Phase,
)
from tests.ui.conftest import ARTIFACTS, SIZES, Ui
from tests.ui.layout_check import layout_problems
from tests.ui.visitors.rig import zbar

SHOTS = ARTIFACTS / "visitor"
# A pass as long as central's (a signed, base32-like text), so the code has a pass's density.
PASS = "P1." + ("KQ4TGMZRGI3DCNBVGQ2TSOJXHA4DGMRTGQ3TKNBQGE4TOMJSHE2DQNZQGAZTGNJUGM3DSOBYGY4DKNJZ"
                "GEYTEMRQHAYTONBVGM") * 2
HOSTS = [HostEntry(i, "company" if i % 2 else "unit", f"华润大厦 {12 + i}楼 Riverside Tower Suite {1200 + i}",
                   "Building 3 West Wing") for i in range(10)]
CARD = IdCard(IdType.RESIDENT, "11010519491231002X", "欧阳娜娜", date(1949, 12, 31), None,
              datetime(2026, 6, 1, tzinfo=UTC))


def steps_states(session: Any, screen: Any) -> list[tuple[str, Callable[[], None]]]:
    s = session.steps

    def at(step: Step, **kw: Any) -> Callable[[], None]:
        def set_up() -> None:
            s.wipe()
            s.step = step
            for name, value in kw.items():
                setattr(s, name, value)
        return set_up

    def id_error() -> None:
        at(Step.ID)()
        s.set_id_type("passport")
        screen.id_type = "passport"  # the keypad takes the type (and starts empty) first
        s.set_country("GB")
        s.set_id_number("E12")
        s.next()  # refused: its message shows

    def from_card() -> None:
        s.wipe()
        s.fill_from_card(CARD)

    def name_from_card() -> None:
        from_card()
        s.step = Step.NAME

    def hosts() -> None:
        at(Step.HOST)()
        s.hosts.type("华润")
        s.hosts.answer("华润", HOSTS)
        s.choose_host(3)

    def purpose() -> None:
        at(Step.PURPOSE)()
        s.set_purpose("other")
        s.set_purpose_other("Piano tuning for the clubhouse lounge")

    return [("steps_id_error", id_error), ("steps_id_card", from_card),
            ("steps_name", at(Step.NAME)), ("steps_name_card", name_from_card),
            ("steps_mobile", at(Step.MOBILE, mobile="+447700900123")), ("steps_host", hosts),
            ("steps_purpose", purpose), ("steps_party", at(Step.PARTY, party_size=10)),
            ("steps_privacy", at(Step.PRIVACY, consent=True))]


def visit_states(session: Any) -> list[tuple[str, str, Callable[[], None]]]:
    v = session.visit
    ticket = VisitorTicket("c-1", datetime.now(UTC))
    slip = Slip(title="会所大堂", lines=("访客单 / Visitor slip", "访客 Visitor: 欧阳*娜",
                                          "被访 Host: 华润大厦 15楼 Riverside Tower Suite 1203",
                                          "有效至 Valid until: 2026-06-01 18:00", "单号 Slip No.: 000123"),
                qr=PASS, footer="")

    def phase(p: Phase, **kw: Any) -> Callable[[], None]:
        def set_up() -> None:
            v.reset()
            v.ticket = ticket
            v.phase = p
            for name, value in kw.items():
                setattr(v, name, value)
        return set_up

    return [
        ("wait", "visitor_wait", phase(Phase.WAITING, waiting_since=time.monotonic())),
        ("printing", "visitor_wait", phase(Phase.PRINTING)),
        ("slip_printed", "visitor_slip", phase(Phase.SLIP, slip=slip, printed=True,
                                               message=text(PRINTED_TEXT))),
        ("slip_not_printed", "visitor_slip", phase(Phase.SLIP, slip=slip, message=text(PRINT_FAILED_TEXT))),
        ("refused", "visitor_refused", phase(Phase.REFUSED, message=text(REFUSED_TEXTS[vd.DENIED]))),
        ("unreachable", "visitor_refused", phase(Phase.UNREACHABLE, message=text(UNREACHABLE_TEXT),
                                                 pin_can_help=True)),
        ("pin", "visitor_pin", phase(Phase.PIN, receptionists=["rita", "王芳"], receptionist="王芳",
                                     pin="1234", pin_message=text(PIN_TEXTS["locked"], until="18:45"))),
    ]


def invitation_states(session: Any) -> list[tuple[str, Callable[[], None]]]:
    inv = session.invitation
    ok = InvitationCheck(True, None, "invitation.ok", {"whom": "欧阳*娜", "valid_until": "2026-06-01 18:00"},
                         7, whom="欧阳*娜", host="3-1201", online=True)
    refused = InvitationCheck(False, InvitationReason.EXPIRED, "invitation.refused.expired",
                              {"valid_until": "2026-05-31 18:00"}, 7)

    def checked(check: InvitationCheck) -> Callable[[], None]:
        def set_up() -> None:
            inv._check = lambda _qr: check
            inv.run = lambda work, done, failed: done(work())
            inv.scanned("INV1.x")
        return set_up

    return [("invitation_prompt", inv.wipe), ("invitation_ok", checked(ok)),
            ("invitation_refused", checked(refused))]


def shoot(ui: Ui, path: Path) -> None:
    for _ in range(3):
        ui.frame()
    saved = ui.window.screenshot(name=str(path))
    shutil.move(saved, path)


def test_every_visitor_screen_at_every_size_fits_and_the_slip_qr_reads(make_ui: Callable[..., Ui]) -> None:
    from kiosk.ui.screens.visitor_base import session_of

    SHOTS.mkdir(parents=True, exist_ok=True)
    ui = make_ui(idle_form_s=600, idle_result_s=120)
    session = session_of(ui.app)
    problems: list[str] = []
    decoded: list[str] = []
    for size in SIZES:
        ui.resize(size)
        for lang in ("zh_CN", "en"):
            ui.app.set_language(lang)
            steps = steps_states(session, ui.screen("visitor"))
            shots = [(name, "visitor", set_up) for name, set_up in steps]
            shots += visit_states(session)
            shots += [(name, "invitation", set_up) for name, set_up in invitation_states(session)]
            for name, screen, set_up in shots:
                set_up()
                ui.app.go(screen)
                ui.wait(lambda s=screen: ui.app.screens.current == s, name)
                ui.app.screens.current_screen.refresh()
                path = SHOTS / f"{name}-{size[0]}x{size[1]}-{lang}.png"
                shoot(ui, path)
                current = ui.app.screens.current_screen
                problems += [f"{path.name}: {p}" for p in layout_problems(current, size)]
                if name.startswith("slip") and lang == "zh_CN":
                    decoded.append(zbar(path))
            session.wipe()
    assert problems == [], "\n".join(problems)
    assert decoded == [PASS] * (2 * len(SIZES))
