"""Invitations at the lobby kiosk against the real central (uvicorn on loopback, behind a fault
proxy) and a real sync worker: online, invitation -> ID -> slip at once with the use counted at
central; blocklisted, the visit waits for reception; offline, accepted within its use and
refused past it, then reconciled at central as approved "by invitation"; revoked at central,
refused once the revocation reached the kiosk; forged and garbage refused with nothing stored."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from central.models import Invitation, Visit
from central.services import blocklist, invitations
from kiosk.app import DeskSettings, VisitorDesk, VisitorForm
from kiosk.app import invitation as inv
from kiosk.app import visitor_desk as vd
from kiosk.app.visitor_form import FormError
from kiosk.store.signing_key import KioskKeyFile
from kiosk.sync.engine import SyncSettings, invitation_lookup
from kiosk.sync.worker import SyncWorker
from lobby_core import passes
from lobby_core.masking import mask_name
from tests.fixtures.central import wait_until
from tests.fixtures.sync import KioskRig

pytestmark = pytest.mark.integration
RIC = "11010519491231002X"
FAST = SyncSettings(interval_s=60, long_poll_s=2, backoff_base_s=0.1, backoff_cap_s=0.5)


def form(qr: str, **kw: Any) -> VisitorForm:
    return VisitorForm(**{"id_type": "cn_ric", "id_number": RIC, "name": "王小二",
                          "mobile": "13800138000", "host": "3-1201", "purpose": "visit",
                          "privacy_notice_version": "1", "invitation": qr, **kw})


def invite(rig: KioskRig, uses: int = 1) -> invitations.InvitationView:
    now = datetime.now(UTC)
    return invitations.create(rig.srv.central, None, "李四", "3-1201", now - timedelta(minutes=5),
                              now + timedelta(hours=2), entries_allowed=uses)


@contextmanager
def desk_on(rig: KioskRig) -> Iterator[VisitorDesk]:
    worker = SyncWorker(rig.store, rig.central_config(), FAST)
    settings = DeskSettings(place="Riverside Tower", approval_wait_s=3)
    invs = inv.Invitations(rig.store, zone=settings.zone, signer=KioskKeyFile(rig.data_dir),
                           lookup=invitation_lookup(rig.central_config()))
    desk = VisitorDesk(rig.store, None, settings, nudge=worker.nudge_visits, invitations=invs)
    worker.subscribe_visits(desk.on_sync_news)
    worker.start()
    try:
        wait_until(lambda: _synced(rig), 20, "the first sync (keys and blocklist)")
        yield desk
    finally:
        worker.stop()


def _synced(rig: KioskRig) -> bool:
    with rig.store.read() as tx:
        return tx.pass_keys() is not None and tx.blocklist() is not None


def used_count(rig: KioskRig, invitation_id: int) -> int:
    with rig.srv.central.db.reading() as s:
        row = s.get(Invitation, invitation_id)
        assert row is not None
        return row.used_count


def central_visits(rig: KioskRig, client_id: str) -> list[Visit]:
    with rig.srv.central.db.reading() as s:
        rows = list(s.execute(select(Visit).where(Visit.client_id == client_id)).scalars())
        for r in rows:
            s.expunge(r)
        return rows


def central_keys(rig: KioskRig) -> passes.TrustedKeys:
    with rig.store.read() as tx:
        return passes.TrustedKeys.from_published(tx.pass_keys()["keys"])  # type: ignore[index]


def local_visits(rig: KioskRig) -> int:
    with closing(sqlite3.connect(rig.store.path)) as db:
        return int(db.execute("SELECT count(*) FROM sync_visits").fetchone()[0])


def test_online_slip_at_once_and_the_use_counted_at_central(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    invitation = invite(rig)
    with desk_on(rig) as desk:
        check = desk.check_invitation(invitation.qr_text)
        assert (check.accepted, check.online, check.whom) == (True, True, mask_name("李四"))
        # The code's window, rounded to whole minutes on the wire.
        assert check.valid_until is not None
        assert timedelta(0) <= check.valid_until - invitation.valid_until < timedelta(minutes=1)
        ticket = desk.register(form(invitation.qr_text))
        # No receptionist acts: the approval is central's answer to the check-in itself.
        result = desk.await_approval(ticket, 20)
        assert result.state == vd.APPROVED and result.pass_text
        claims = passes.check_pass(result.pass_text, central_keys(rig), now=datetime.now(UTC))
        assert desk.slip_for(ticket).qr == result.pass_text
        (visit,) = central_visits(rig, ticket.ref)
        assert (visit.status, visit.invitation_id, visit.pass_id) == ("approved", invitation.id,
                                                                      claims.pass_id)
        assert visit.kiosk_approved_by is None
        assert used_count(rig, invitation.id) == 1
        again = desk.check_invitation(invitation.qr_text)
        assert (again.accepted, again.reason, again.online) == (False, inv.InvitationReason.USED_UP, True)


def test_blocklisted_waits_for_reception(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    blocklist.add(rig.srv.central, None, "cn_ric", RIC, "test")
    invitation = invite(rig)
    with desk_on(rig) as desk:
        ticket = desk.register(form(invitation.qr_text))
        assert ticket.see_reception
        result = desk.await_approval(ticket, 3)
        assert result.state == vd.TIMED_OUT  # central has it pending: nobody decided yet
        (visit,) = central_visits(rig, ticket.ref)
        assert (visit.status, visit.blocklisted, visit.pass_id) == ("pending", True, None)
        assert used_count(rig, invitation.id) == 0


def test_offline_accepted_once_refused_after_and_reconciled(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    invitation = invite(rig)
    with desk_on(rig) as desk:
        rig.proxy.mode = "reset"
        check = desk.check_invitation(invitation.qr_text)
        assert (check.accepted, check.online, check.whom) == (True, False, inv.INVITED_GUEST)
        ticket = desk.register(form(invitation.qr_text))
        result = desk.await_approval(ticket, 20)
        assert result.state == vd.APPROVED and result.pass_text
        with pytest.raises(FormError) as refused:
            desk.register(form(invitation.qr_text, name="张三"))
        assert refused.value.key == "invitation.refused.used_up"
        assert central_visits(rig, ticket.ref) == []
        rig.proxy.mode = "pass"
        desk._nudge()  # what the next visitor (or the next cycle) would do

        def reconciled() -> Visit | None:
            rows = central_visits(rig, ticket.ref)
            return rows[0] if rows and rows[0].status == "approved" else None

        visit = wait_until(reconciled, 20, "central to have the visit approved by invitation")
        assert (visit.kiosk_approved_by, visit.invitation_id) == (inv.BY_INVITATION, invitation.id)
        assert visit.pass_text == result.pass_text  # the visitor's slip stands
        assert used_count(rig, invitation.id) == 1
    # The kiosk's pass verifies at every kiosk once central publishes its key (registered
    # before the approval went out).
    rig.engine().pull_keys_and_revocations()
    passes.check_pass(result.pass_text, central_keys(rig), now=datetime.now(UTC))


def test_revoked_at_central_is_refused_once_the_revocation_reached_the_kiosk(make_kiosk) -> None:
    rig: KioskRig = make_kiosk()
    invitation = invite(rig, uses=3)
    with desk_on(rig) as desk:
        assert desk.check_invitation(invitation.qr_text).accepted
        invitations.revoke(rig.srv.central, invitation.id)

        def arrived() -> bool:
            with rig.store.read() as tx:
                return invitation.id in tx.revocations()["invitation_ids"]

        wait_until(arrived, 20, "the revocation to reach the kiosk (long-poll)")
        rig.proxy.mode = "reset"  # from here on the kiosk has only its own list
        check = desk.check_invitation(invitation.qr_text)
        assert (check.accepted, check.reason, check.online) == (False, inv.InvitationReason.REVOKED, False)
        with pytest.raises(FormError) as refused:
            desk.register(form(invitation.qr_text))
        assert refused.value.key == "invitation.refused.revoked"
    assert local_visits(rig) == 0


@pytest.mark.parametrize("case", ["forged", "garbage"])
def test_forged_and_garbage_refused_with_nothing_stored(make_kiosk, case: str) -> None:
    rig: KioskRig = make_kiosk()
    invitation = invite(rig)
    good = invitation.qr_text
    text = (good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]) if case == "forged" else "%%%garbage"
    with desk_on(rig) as desk:
        check = desk.check_invitation(text)
        assert (check.accepted, check.reason) == (False, inv.InvitationReason(case))
        with pytest.raises(FormError) as refused:
            desk.register(form(text))
        assert refused.value.key == f"invitation.refused.{case}"
    assert local_visits(rig) == 0
    with rig.srv.central.db.reading() as s:
        assert list(s.execute(select(Visit.id)).scalars()) == []
    assert used_count(rig, invitation.id) == 0
