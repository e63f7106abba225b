"""The scanner's codes: passes to the turnstile; invitations to the screen while it listens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from devices import Scan
from kiosk.app.scan_router import ScanRouter
from lobby_core.passes import InvitationClaims, encode_invitation, encode_pass
from tests.unit.core.passes.support import KEY, T0, a_pass

PASS_TEXT = encode_pass(a_pass(), KEY)
INVITATION_TEXT = encode_invitation(InvitationClaims(9, T0, T0.replace(day=3)), KEY)


class Gate:
    """Stands in for PassEntrance: records what reached the turnstile."""

    def __init__(self) -> None:
        self.scans: list[str] = []

    def handle_scan(self, scan: Scan) -> Any:
        self.scans.append(scan.text)


def scan(text: str) -> Scan:
    return Scan(text=text, at=datetime.now(UTC))


def test_without_a_screen_listening_everything_goes_to_the_turnstile() -> None:
    gate = Gate()
    router = ScanRouter(gate)  # type: ignore[arg-type]
    for text in (PASS_TEXT, INVITATION_TEXT, "garbage"):
        router.handle_scan(scan(text))
    assert gate.scans == [PASS_TEXT, INVITATION_TEXT, "garbage"]  # refused there, with advice


def test_a_listening_screen_takes_invitations_only_and_can_stop() -> None:
    gate, taken = Gate(), []
    router = ScanRouter(gate)  # type: ignore[arg-type]
    stop = router.take_invitations(taken.append)
    for text in (PASS_TEXT, INVITATION_TEXT, "garbage"):
        router.handle_scan(scan(text))
    assert taken == [INVITATION_TEXT]
    assert gate.scans == [PASS_TEXT, "garbage"]
    stop()
    router.handle_scan(scan(INVITATION_TEXT))
    assert taken == [INVITATION_TEXT] and gate.scans[-1] == INVITATION_TEXT
