"""The kiosk's own signing key reaching central, on real parts: `kiosk enroll` and the sync
engine against central on uvicorn (behind a FaultProxy), kiosks with real data dirs.

`kiosk enroll` sends the kiosk's public key and central publishes it to every kiosk; a key whose
one-byte id central already uses is answered 409 `key_id_taken` by the real central (the test
draws such a key on purpose) and the kiosk draws another and registers that one, both at
enrollment and in the sync engine's register_key.
"""

from __future__ import annotations

import argparse
import base64
import logging
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.commands import enroll
from kiosk.store.signing_key import KioskKeyFile, public_raw
from lobby_core import passes
from lobby_core.passes import SigningKey
from lobby_core.passes.keys import private_key_to_pem
from tests.fixtures.central import CentralServer
from tests.fixtures.sync import KioskRig

MAX_DRAWS = 20_000  # a given one-byte id turns up once in 256 draws; this many never all miss


def _b64(key: SigningKey) -> str:
    return base64.b64encode(public_raw(key)).decode("ascii")


def _published(srv: CentralServer) -> list[dict[str, object]]:
    from central.services import keys

    return keys.published(srv.central)


def _taken_key_ids(srv: CentralServer) -> set[int]:
    """Key ids central publishes now (the first call makes central's first key)."""
    return {int(k["key_id"]) for k in _published(srv)}  # type: ignore[call-overload]


def _colliding_key(taken: set[int]) -> SigningKey:
    """A key whose id central already uses, so the real central answers 409 key_id_taken."""
    for _ in range(MAX_DRAWS):
        key = SigningKey.generate()
        if key.key_id in taken:
            return key
    raise AssertionError(f"no key with an id in {taken} after {MAX_DRAWS} draws")


def _kiosk_keys(srv: CentralServer, kiosk_id: int) -> list[bytes]:
    from central.models import KioskKey

    with srv.central.db.reading() as s:
        return [bytes(k) for k in s.execute(
            select(KioskKey.public_key).where(KioskKey.kiosk_id == kiosk_id)).scalars()]


def _verifies_at(rig: KioskRig, key: SigningKey) -> passes.PassClaims:
    """A pass signed with `key`, checked with only what `rig` synced from central."""
    now = datetime.now(UTC)
    with rig.store.read() as tx:
        doc = tx.pass_keys()
    assert doc is not None
    table = passes.FacilityTable.from_list(doc["facilities"])
    text = passes.encode_pass(passes.PassClaims(
        pass_id=99, visit_id=0, valid_from=now, valid_until=now + timedelta(hours=1),
        facilities=frozenset({"lobby"})), key, table)
    return passes.check_pass(text, passes.TrustedKeys.from_published(doc["keys"]),
                             now=now + timedelta(minutes=1), facilities=table)


def test_kiosk_enroll_sends_its_key_and_central_publishes_it(
        make_kiosk: Callable[..., KioskRig], sync_central: CentralServer) -> None:
    from central.services import kiosks

    a = make_kiosk(enroll=False)
    kid, code = kiosks.create_kiosk(sync_central.central, "lobby-east")
    assert _kiosk_keys(sync_central, kid) == []
    r = a.kiosk_cli("enroll", a.proxy.url, code)
    assert r.returncode == 0, r.stderr

    key = KioskKeyFile(a.data_dir).load()
    assert key is not None
    assert stat.S_IMODE(KioskKeyFile(a.data_dir).path.stat().st_mode) == 0o600
    pem = private_key_to_pem(key.private_key).decode()
    assert pem.splitlines()[1] not in r.stdout + r.stderr  # the private half is never printed
    # Registered by the enrollment itself, before any sync.
    assert _kiosk_keys(sync_central, kid) == [public_raw(key)]
    assert {"key_id": key.key_id, "public_key": _b64(key)}.items() <= next(
        k for k in _published(sync_central) if k["public_key"] == _b64(key)).items()

    # Another kiosk gets it over the real API and verifies a pass it signed.
    b = make_kiosk()
    b.engine().cycle()
    assert _verifies_at(b, key).pass_id == 99


class KeyDraws:
    """SigningKey.generate as a test drives it: keys in `queue` first, then fresh ones; every
    key handed out is kept in `handed`."""

    def __init__(self) -> None:
        self.queue: list[SigningKey] = []
        self.handed: list[SigningKey] = []


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> KeyDraws:
    draws = KeyDraws()
    real = SigningKey.generate.__func__  # type: ignore[attr-defined]

    def generate(cls: type[SigningKey], now: datetime | None = None) -> SigningKey:
        key = draws.queue.pop(0) if draws.queue else real(cls, now)
        draws.handed.append(key)
        return key

    monkeypatch.setattr(SigningKey, "generate", classmethod(generate))
    return draws


def test_enroll_with_a_taken_key_id_draws_a_new_key_and_registers_that(
        make_kiosk: Callable[..., KioskRig], sync_central: CentralServer, drawn: KeyDraws,
        capsys: pytest.CaptureFixture[str]) -> None:
    from central.services import kiosks

    a = make_kiosk(enroll=False)
    taken = _taken_key_ids(sync_central)
    bad = _colliding_key(taken)
    drawn.handed.clear()
    drawn.queue.append(bad)
    kid, code = kiosks.create_kiosk(sync_central.central, "lobby-west")

    rc = enroll.main(argparse.Namespace(config=str(a.config_path), url=a.proxy.url, code=code))
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert drawn.handed[0] is bad and len(drawn.handed) >= 2  # refused, so another was drawn
    kept = KioskKeyFile(a.data_dir).load()
    assert kept is not None
    assert public_raw(kept) != public_raw(bad) and kept.key_id not in taken
    assert public_raw(kept) == public_raw(drawn.handed[-1])
    # Central has the new key only, publishes it, and the 409 did not spend the code.
    assert _kiosk_keys(sync_central, kid) == [public_raw(kept)]
    published = {k["public_key"] for k in _published(sync_central)}
    assert _b64(kept) in published and _b64(bad) not in published
    assert "lobby-west" in out.out

    b = make_kiosk()
    b.engine().cycle()
    assert _verifies_at(b, kept).pass_id == 99


def test_sync_register_key_draws_a_new_key_when_central_says_taken(
        make_kiosk: Callable[..., KioskRig], sync_central: CentralServer,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    a = make_kiosk()  # enrolled without a key, as kiosks enrolled before kiosks had keys
    bad = _colliding_key(_taken_key_ids(sync_central))
    KioskKeyFile(a.data_dir).save(bad)

    a.engine().cycle()
    assert "new key drawn" in caplog.text  # central answered 409 key_id_taken
    kept = KioskKeyFile(a.data_dir).load()
    assert kept is not None and public_raw(kept) != public_raw(bad)
    assert _kiosk_keys(sync_central, a.kiosk_id) == [public_raw(kept)]
    published = {k["public_key"] for k in _published(sync_central)}
    assert _b64(kept) in published and _b64(bad) not in published

    caplog.clear()
    a.engine().cycle()  # a new engine registers the same key again: central answers it is known
    assert "new key drawn" not in caplog.text
    assert KioskKeyFile(a.data_dir).load() is not None
    assert public_raw(KioskKeyFile(a.data_dir).load()) == public_raw(kept)  # type: ignore[arg-type]
    b = make_kiosk()
    b.engine().cycle()
    assert _verifies_at(b, kept).pass_id == 99
