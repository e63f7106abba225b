"""The `central` console script for the desk's visitor work, run for real in a subprocess:
`visits approve`, `visits deny --reason`, `invitations add` (the QR text alone on the last line)
and `hosts import` (bad rows reported by line)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from central.context import Central
from central.models import Visit
from central.services import hosts, invitations, kiosks, visits
from central.settings import resolve
from lobby_core import passes


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    """The database the CLI uses (run_central_cli's data directory), opened in this process."""
    c = Central.open(resolve(None, tmp_path / "cli-data"))
    try:
        yield c
    finally:
        c.close()


def _register(central: Central, n: int) -> int:
    kiosk_id = next((k.id for k in kiosks.list_kiosks(central) if k.name == "Lobby"), None)
    if kiosk_id is None:
        kiosk_id, _ = kiosks.create_kiosk(central, "Lobby")
    req = visits.VisitRequest(
        client_id=str(uuid.uuid4()), id_type="passport", id_number=f"E{n:08d}", id_country="USA",
        name="Ann Lee", mobile="13800138000", host="3栋1201", purpose="visit",
    )  # fmt: skip
    return visits.create_visit(central, kiosk_id, req)[0].visit_id


def _status(central: Central, visit_id: int) -> tuple[str, str | None]:
    with central.db.reading() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return v.status, v.deny_reason


def test_visits_approve_signs_a_pass_and_a_decided_visit_is_exit_1(run_central_cli, central: Central) -> None:
    vid = _register(central, 1)
    r = run_central_cli("visits", "approve", str(vid))
    assert r.returncode == 0, r.stderr
    assert f"visit {vid} approved" in r.stdout
    [view] = [visits.get_visit(central, 1, vid)]
    assert view.status == "approved" and view.pass_ is not None
    assert f"pass {view.pass_.pass_id}" in r.stdout
    assert "E00000001" not in r.stdout + r.stderr
    again = run_central_cli("visits", "approve", str(vid))
    assert again.returncode == 1 and "approved already" in again.stderr
    denied_late = run_central_cli("visits", "deny", str(vid), "--reason", "too late")
    assert denied_late.returncode == 1 and "approved already" in denied_late.stderr
    assert _status(central, vid) == ("approved", None)
    missing = run_central_cli("visits", "approve", "999999")
    assert missing.returncode == 1 and "no such visit" in missing.stderr


def test_visits_deny_stores_the_reason_and_refuses_hostile_text(run_central_cli, central: Central) -> None:
    vid = _register(central, 2)
    hostile = run_central_cli("visits", "deny", str(vid), "--reason", "no\x1b[2Jentry")
    assert hostile.returncode == 2 and "control characters" in hostile.stderr
    assert _status(central, vid) == ("pending", None)
    r = run_central_cli("visits", "deny", str(vid), "--reason", "  host   not in  ")
    assert r.returncode == 0, r.stderr
    assert _status(central, vid) == ("denied", "host not in")
    again = run_central_cli("visits", "approve", str(vid))
    assert again.returncode == 1 and "denied already" in again.stderr


def test_an_expired_visit_cannot_be_decided(run_central_cli, central: Central) -> None:
    vid = _register(central, 3)
    with central.db.writing() as s:
        past = datetime.now(UTC) - timedelta(minutes=1)
        s.execute(update(Visit).where(Visit.id == vid).values(expires_at=past))
    for args in (("approve", str(vid)), ("deny", str(vid), "--reason", "x")):
        r = run_central_cli("visits", *args)
        assert r.returncode == 1 and "expired" in r.stderr, r.stderr


def test_invitations_add_prints_the_qr_text_alone_on_its_last_line(run_central_cli, central: Central) -> None:
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    r = run_central_cli(
        "invitations", "add", "--name", "Zhao Liu", "--host", "星河科技有限公司",
        "--valid-from", f"{day}T09:30+08:00", "--valid-until", f"{day}T18:00+08:00", "--entries", "3",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    qr = r.stdout.rstrip("\n").splitlines()[-1]
    assert qr == qr.strip() and " " not in qr
    with central.db.writing() as s:
        claims = invitations.verify_qr(central, s, qr, datetime.now(UTC), current=False)
    inv = invitations.lookup(central, claims.invitation_id)
    assert (inv.visitor_name, inv.host, inv.entries_allowed) == ("Zhao Liu", "星河科技有限公司", 3)
    assert inv.valid_from == datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)
    assert inv.valid_until == datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
    assert claims.valid_until == inv.valid_until
    assert isinstance(claims, passes.InvitationClaims)
    # Defaults: from now, for 24 hours.
    d = run_central_cli("invitations", "add", "--name", "Li Si", "--host", "3栋1201")
    assert d.returncode == 0, d.stderr
    with central.db.writing() as s:
        c2 = invitations.verify_qr(central, s, d.stdout.splitlines()[-1], datetime.now(UTC))
    assert timedelta(hours=23, minutes=58) <= c2.valid_until - c2.valid_from <= timedelta(hours=24, minutes=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--name", "A\u202eB", "--host", "3栋1201"), "invisible formatting characters"),
        (("--name", "A", "--host", "3栋1201", "--valid-from", "tomorrow"), "--valid-from: not an ISO date"),
        (("--name", "A", "--host", "3栋1201", "--entries", "51"), "entries allowed must be 1 to 50"),
        (("--name", "A", "--host", "3栋1201", "--valid-until", "2020-01-01T00:00"), "must end after it"),
    ],
)
def test_invitations_add_refusals_are_exit_2(run_central_cli, central: Central, args: tuple[str, ...],
                                             message: str) -> None:  # fmt: skip
    r = run_central_cli("invitations", "add", *args)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert invitations.listing(central, include_past=True) == []


def test_hosts_import_reports_bad_rows_by_line(run_central_cli, central: Central, tmp_path: Path) -> None:
    f = tmp_path / "hosts.csv"
    f.write_text(
        "\ufeffkind,label,detail\n"
        "unit,3栋1201,Zhang family\n"
        "company,星河科技有限公司,5F\n"
        "room,101,\n"
        "unit,\u202e1021,\n"
        "unit,3栋1201,again\n"
        "\n"
        "unit,3栋1202,\n",
        encoding="utf-8",
    )
    r = run_central_cli("hosts", "import", str(f))
    assert r.returncode == 1
    errors = r.stderr.splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 4", "line 5", "line 6"]
    assert "kind must be one of unit, company" in errors[0] and "invisible formatting" in errors[1]
    assert "3 added, 0 updated, 0 unchanged, 3 rows refused" in r.stdout
    version, rows = hosts.listing(central)
    assert sorted((h.kind, h.label, h.detail) for h in rows) == [
        ("company", "星河科技有限公司", "5F"), ("unit", "3栋1201", "Zhang family"), ("unit", "3栋1202", ""),
    ]  # fmt: skip
    f.write_text("kind,label,detail\nunit,3栋1202,Li family\n", encoding="utf-8")
    again = run_central_cli("hosts", "import", str(f))
    assert again.returncode == 0 and "0 added, 1 updated" in again.stdout
    assert hosts.listing(central)[0] > version
    f.write_text("label,detail\nx,y\n", encoding="utf-8")
    bad = run_central_cli("hosts", "import", str(f))
    assert bad.returncode == 2 and "expected a header line: kind,label,detail" in bad.stderr
