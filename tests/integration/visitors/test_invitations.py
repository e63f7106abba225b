"""Invitations at the lobby kiosk on real parts (a store on SQLite files, a real key ring, the
kiosk's own key file), central not involved: every refusal with its reason and its text in
both languages, nothing stored for a refused code, offline acceptance within the uses and not
past them, a blocklisted visitor never accepted offline, and revision 0008 on an old store."""

from __future__ import annotations

import base64
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backend_client import wire
from kiosk.app import DeskSettings, VisitorDesk, VisitorForm
from kiosk.app import invitation as inv
from kiosk.app import visitor_desk as vd
from kiosk.app.visitor_desk import blocklist_hash
from kiosk.app.visitor_form import FormError
from kiosk.domain import messages
from kiosk.store import Store, migrate
from kiosk.store.invitation_uses import InvitationUsage
from kiosk.store.signing_key import KioskKeyFile
from kiosk.sync.worker import VisitNews
from lobby_core import id_documents as ids
from lobby_core import passes

pytestmark = pytest.mark.integration
RIC = "11010519491231002X"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def form(qr: str | None, **kw: object) -> VisitorForm:
    base: dict[str, object] = dict(id_type="cn_ric", id_number=RIC, name="王小二", mobile="13800138000",
                                   host="3-1201", purpose="visit", privacy_notice_version="1",
                                   invitation=qr)
    return VisitorForm(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
def ring(kiosk_store: Store) -> passes.KeyRing:
    """Central's signing keys, synced to the kiosk as GET /keys would."""
    ring = passes.KeyRing.generate(clock=lambda: T0 - timedelta(days=1))
    with kiosk_store.write() as tx:
        tx.put_pass_keys(wire.Keys.model_validate(
            {"keys": ring.published(), "facilities": passes.DEFAULT_FACILITIES.to_list()}))
    return ring


def invitation(ring: passes.KeyRing, iid: int = 501, start: datetime = T0 - timedelta(hours=1),
               hours: int = 3) -> str:
    return passes.encode_invitation(
        passes.InvitationClaims(iid, start, start + timedelta(hours=hours)), ring)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(kiosk_store: Store, clock: Clock, tmp_path: Path) -> VisitorDesk:
    settings = DeskSettings(place="Riverside Tower", approval_wait_s=5)
    invitations = inv.Invitations(kiosk_store, zone=settings.zone, clock=clock,
                                  signer=KioskKeyFile(tmp_path / "keyfile"))
    return VisitorDesk(kiosk_store, None, settings, clock=clock, invitations=invitations)


def unreachable(desk: VisitorDesk) -> None:
    """What the sync worker says after a push attempt (started after the registration) failed."""
    desk.on_sync_news(VisitNews(failure="unreachable", attempt_started=time.monotonic()))


def rows(store: Store) -> int:
    with closing(sqlite3.connect(store.path)) as db:
        return int(db.execute("SELECT count(*) FROM sync_visits").fetchone()[0])


def test_a_current_invitation_is_for_an_invited_guest_until_its_end(desk: VisitorDesk,
                                                                      ring: passes.KeyRing) -> None:
    check = desk.check_invitation(invitation(ring))
    assert (check.accepted, check.reason, check.online, check.whom) == (True, None, False, inv.INVITED_GUEST)
    assert check.invitation_id == 501 and check.valid_until == T0 + timedelta(hours=2)
    assert check.message_key == "invitation.ok.guest" and check.uses_left == inv.DEFAULT_ALLOWED
    assert "2026-06-01 12:00" in messages.render(check.message_key, check.detail, "en")  # Shanghai time
    assert "受邀访客" in messages.render(check.message_key, check.detail, "zh_CN")


def _kiosk_signed_invitation(tmp_path: Path) -> str:
    # A kiosk's own key is trusted for passes, never for invitations it could mint itself; here
    # the key is simply unknown to the kiosk, which must read as forged either way.
    other = KioskKeyFile(tmp_path / "other").load_or_create()
    return passes.encode_invitation(passes.InvitationClaims(9, T0, T0 + timedelta(hours=1)), other)


@pytest.mark.parametrize(("case", "reason", "text_has"), [
    ("garbage", inv.InvitationReason.GARBAGE, None),
    ("a pass", inv.InvitationReason.GARBAGE, None),
    ("flipped", inv.InvitationReason.FORGED, None),
    ("other key", inv.InvitationReason.FORGED, None),
    ("expired", inv.InvitationReason.EXPIRED, "2026-06-01 09:00"),
    ("not yet", inv.InvitationReason.NOT_YET_VALID, "2026-06-01 13:00"),
    ("revoked", inv.InvitationReason.REVOKED, None),
])
def test_refusals_carry_their_reason_in_both_languages_and_nothing_is_stored(
        desk: VisitorDesk, kiosk_store: Store, ring: passes.KeyRing, tmp_path: Path, case: str,
        reason: inv.InvitationReason, text_has: str | None) -> None:
    good = invitation(ring)
    text = {
        "garbage": "HELLO WORLD",
        "a pass": passes.encode_pass(
            passes.PassClaims(7, 1, T0, T0 + timedelta(hours=1), {"lobby"}, 2), ring),
        "flipped": good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:],
        "other key": _kiosk_signed_invitation(tmp_path),
        "expired": invitation(ring, start=T0 - timedelta(hours=4), hours=3),
        "not yet": invitation(ring, start=T0 + timedelta(hours=3)),
        "revoked": good,
    }[case]
    if case == "revoked":
        with kiosk_store.write() as tx:
            tx.put_revocations(wire.Revocations(pass_ids=[], invitation_ids=[501], cursor=1))
    check = desk.check_invitation(text)
    assert (check.accepted, check.reason) == (False, reason)
    assert check.message_key == f"invitation.refused.{reason.value}"
    for lang in messages.LANGUAGES:
        rendered = messages.render(check.message_key, check.detail, lang)
        assert rendered and (text_has is None or text_has in rendered)
    with pytest.raises(FormError) as refused:
        desk.register(form(text))
    assert (refused.value.field, refused.value.key) == ("invitation", check.message_key)
    assert rows(kiosk_store) == 0


def test_offline_accepted_within_its_uses_then_refused(desk: VisitorDesk, kiosk_store: Store,
                                                      ring: passes.KeyRing, tmp_path: Path) -> None:
    qr = invitation(ring)
    with kiosk_store.write() as tx:  # central said so at a lookup: 2 uses, none taken yet
        tx.note_invitation_at_central(501, 2, 0, T0 + timedelta(hours=2))
    texts = []
    for _ in range(2):
        ticket = desk.register(form(qr))
        unreachable(desk)
        result = desk.await_approval(ticket, 5)
        assert result.state == vd.APPROVED and result.pass_text
        texts.append(result.pass_text)
        assert desk.slip_for(ticket).qr == result.pass_text
    key = KioskKeyFile(tmp_path / "keyfile").load_or_create()
    mine = passes.TrustedKeys([passes.PublishedKey(key.key_id, key.public_key, None)])
    for text in texts:
        claims = passes.check_pass(text, mine, now=T0)
        assert claims.valid_until == T0 + timedelta(hours=2)  # the invitation's end, within 4 h
        assert claims.entries_allowed == 2
    with kiosk_store.read() as tx:
        assert tx.invitation_usage(501) == InvitationUsage(2, 2)
        sent = tx.kiosk_approvals_to_send()
    assert [a.approved_by for a in sent] == [inv.BY_INVITATION] * 2
    assert all(a.request is not None and a.request.invitation == qr for a in sent)
    assert sorted(a.pass_text for a in sent) == sorted(texts)
    assert desk.check_invitation(qr).reason == inv.InvitationReason.USED_UP
    with pytest.raises(FormError) as refused:
        desk.register(form(qr))
    assert refused.value.key == "invitation.refused.used_up"


def test_central_never_said_so_one_use_offline(desk: VisitorDesk, ring: passes.KeyRing) -> None:
    qr = invitation(ring)
    first = desk.register(form(qr))
    second = desk.register(form(qr))  # both registered before either was accepted
    unreachable(desk)
    assert desk.await_approval(first, 5).state == vd.APPROVED
    r = desk.await_approval(second, 5)
    assert (r.state, r.reason) == (vd.DENIED, "invitation.refused.used_up")
    with desk.store.read() as tx:
        st = tx.visit_state(second.ref)
        assert st is not None and st.status == "rejected"  # never sent on as an ordinary visit
        assert tx.queued_visits() == []


def test_revoked_after_registration_is_refused_at_acceptance(desk: VisitorDesk, kiosk_store: Store,
                                                              ring: passes.KeyRing) -> None:
    ticket = desk.register(form(invitation(ring)))
    with kiosk_store.write() as tx:
        tx.add_revocation(wire.RevocationUpdate(kind="invitation", id=501,
                                                valid_until=T0 + timedelta(hours=2)))
    unreachable(desk)
    r = desk.await_approval(ticket, 5)
    assert (r.state, r.reason) == (vd.DENIED, "invitation.refused.revoked")
    with kiosk_store.read() as tx:
        assert tx.invitation_usage(501) == InvitationUsage()
        assert tx.kiosk_approvals_to_send() == []
        assert tx.queued_visits() == []  # the visitor was told no: it never goes on to central


def test_a_blocklisted_visitor_is_never_accepted_offline(desk: VisitorDesk, kiosk_store: Store,
                                                         ring: passes.KeyRing) -> None:
    key = b"k" * 32
    digest = blocklist_hash(key, ids.canonical_key("cn_ric", RIC))
    with kiosk_store.write() as tx:
        tx.put_blocklist(wire.Blocklist(key=base64.b64encode(key).decode(), hashes=[digest]))
    ticket = desk.register(form(invitation(ring)))
    assert ticket.see_reception
    unreachable(desk)
    assert desk.await_approval(ticket, 5).state == vd.CENTRAL_UNREACHABLE
    with kiosk_store.read() as tx:
        assert tx.invitation_usage(501) == InvitationUsage()


def test_central_approval_counts_the_use_here(desk: VisitorDesk, kiosk_store: Store,
                                              ring: passes.KeyRing) -> None:
    ticket = desk.register(form(invitation(ring)))
    with kiosk_store.write() as tx:
        tx.record_visit(wire.Visit.model_validate(
            {"visit_id": 4, "client_id": ticket.ref, "status": "approved",
             "pass": {"pass_id": 7, "text": "V1:CENTRAL", "valid_from": T0.isoformat(),
                      "valid_until": (T0 + timedelta(hours=2)).isoformat(), "facilities": ["lobby"],
                      "entries": 2}}), T0)
    desk.on_sync_news(VisitNews(client_id=ticket.ref))
    assert desk.await_approval(ticket, 5).pass_text == "V1:CENTRAL"
    with kiosk_store.read() as tx:
        assert tx.invitation_usage(501) == InvitationUsage(1, None)
        assert tx.kiosk_approvals_to_send() == []


def test_no_signing_key_leaves_it_unreachable(kiosk_store: Store, clock: Clock, ring: passes.KeyRing) -> None:
    desk = VisitorDesk(kiosk_store, None, DeskSettings(approval_wait_s=5), clock=clock)
    ticket = desk.register(form(invitation(ring)))
    unreachable(desk)
    assert desk.await_approval(ticket, 5).state == vd.CENTRAL_UNREACHABLE


def test_revision_0008_upgrades_0007_and_counts(tmp_path: Path) -> None:
    old = Store.open(tmp_path, revision="0007")
    old.close()
    store = Store.open(tmp_path)
    try:
        assert migrate.current(store.engine) == migrate.head()
        until = T0 + timedelta(hours=2)
        with store.write() as tx:
            assert tx.invitation_usage(1) == InvitationUsage()
            tx.count_invitation_use(1, until)
            tx.note_invitation_at_central(1, 3, 0, until)  # central behind us: our count stands
            tx.note_invitation_at_central(2, 3, 2, until)
            tx.count_invitation_use(2, until)
            tx.note_invitation_at_central(2, 3, 2, until)  # central's 2 vs our 3: the larger
            tx.count_invitation_use(3, T0 - timedelta(days=3))
        with store.read() as tx:
            assert (tx.invitation_usage(1), tx.invitation_usage(2)) == (InvitationUsage(1, 3),
                                                                        InvitationUsage(3, 3))
        with store.write() as tx:
            assert tx.purge_invitation_uses(T0 - timedelta(days=2)) == 1
        with store.read() as tx:
            assert tx.invitation_usage(3) == InvitationUsage()
            assert tx.invitation_usage(2) == InvitationUsage(3, 3)
    finally:
        store.close()
