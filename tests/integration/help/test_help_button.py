"""The help button end to end on real parts: `Kiosk.help_call` from bootstrap.build, over the
real client and a fault proxy, to central on uvicorn, where the call shows on the console's
list; and the three outcomes a screen shows (sent, go to the desk, not enrolled)."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from central.services import help_calls, kiosks
from kiosk import config
from kiosk.app.help_call import HelpCall, HelpOutcome
from kiosk.bootstrap import Kiosk, build
from tests.fixtures.sync import KioskRig


def _kiosk(rig: KioskRig) -> Kiosk:
    name = rig.root.name
    return build(config.from_dict({
        "kiosk": {"data_dir": str(rig.data_dir), "facility": "gym"},
        "devices": {"card_reader": f"sim://?name=help-{name}", "relay": f"sim://?name=help-{name}",
                    "printer": "none", "qr_scanner": "none", "id_reader": "none"},
        "central": {"url": rig.proxy.url},
    }))


def test_a_press_reaches_the_console_and_repeats_are_one_call(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    kiosk = _kiosk(rig)
    try:
        assert isinstance(kiosk.help_call, HelpCall)
        assert kiosk.help_call.call() is HelpOutcome.SENT
        assert kiosk.help_call.call() is HelpOutcome.SENT
        calls = help_calls.open_calls(rig.srv.central)
        assert [(c.kiosk, c.presses) for c in calls] == [
            (kiosks.list_kiosks(rig.srv.central)[0].name, 2)]
        assert [r.path for r in rig.proxy.requests].count("/api/v1/help-calls") == 2
    finally:
        kiosk.stop()


def test_central_unreachable_or_broken_means_go_to_the_desk(make_kiosk: Callable[..., KioskRig]) -> None:
    rig = make_kiosk()
    kiosk = _kiosk(rig)
    try:
        for mode in ("drop", "reset", "http500", "garbage"):
            rig.proxy.mode = mode
            assert kiosk.help_call.call() is HelpOutcome.UNREACHABLE, mode
        assert help_calls.open_calls(rig.srv.central) == []  # none of those reached central
        # The call reached central but its answer did not: the visitor still goes to the desk.
        rig.proxy.mode = "truncate"
        assert kiosk.help_call.call() is HelpOutcome.UNREACHABLE
        rig.proxy.mode = "pass"
        assert kiosk.help_call.call() is HelpOutcome.SENT
        assert [c.presses for c in help_calls.open_calls(rig.srv.central)] == [2]
    finally:
        kiosk.stop()


def test_not_enrolled_or_revoked(make_kiosk: Callable[..., KioskRig]) -> None:
    fresh = make_kiosk(enroll=False)
    fresh.data_dir.mkdir(parents=True, exist_ok=True)
    kiosk = _kiosk(fresh)
    try:
        assert kiosk.help_call.call() is HelpOutcome.NOT_ENROLLED
        assert fresh.proxy.requests == []  # no token: nothing sent
    finally:
        kiosk.stop()
    rig = make_kiosk()
    kiosks.revoke_kiosk(rig.srv.central, rig.kiosk_id)
    kiosk = _kiosk(rig)
    try:
        assert kiosk.help_call.call() is HelpOutcome.NOT_ENROLLED
        assert help_calls.open_calls(rig.srv.central) == []
    finally:
        kiosk.stop()
        shutil.rmtree(fresh.root, ignore_errors=True)
