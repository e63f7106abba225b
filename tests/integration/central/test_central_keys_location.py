"""Where the data key and the ID hash key live: beside the data directory, never in it (a backup
of the data must not carry its key), unless $CENTRAL_KEYS_DIR / --keys-dir says otherwise.
Installs that still have them in DATA_DIR/keys keep working on those keys, with a warning."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from central.context import Central
from central.settings import resolve


@pytest.fixture(autouse=True)
def _no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CENTRAL_DATA_KEY", "CENTRAL_ID_HASH_KEY", "CENTRAL_KEYS_DIR", "CENTRAL_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_keys_dir_defaults_beside_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve().keys_dir == Path("/var/lib/lobby-central-keys")
    assert resolve(None, tmp_path / "data").keys_dir == tmp_path / "data-keys"
    monkeypatch.setenv("CENTRAL_KEYS_DIR", "/srv/secrets/central")
    assert resolve(None, tmp_path / "data").keys_dir == Path("/srv/secrets/central")
    assert resolve(None, tmp_path / "data", tmp_path / "k").keys_dir == tmp_path / "k"  # flag wins


def _open(data: Path, keys: Path | None = None) -> Central:
    return Central.open(resolve(f"sqlite:///{data / 'central.db'}", data, keys))


def test_a_new_install_keeps_its_keys_out_of_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    c = _open(data)
    try:
        token = c.secrets.encrypt(b"11010519491231002X")
    finally:
        c.close()
    keys = tmp_path / "data-keys"
    for name in ("data.key", "id-hash.key"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert not (data / "keys").exists()
    key = (keys / "data.key").read_bytes().strip()
    for f in data.rglob("*"):
        assert not f.is_file() or key not in f.read_bytes(), f
    # The same keys next time.
    c = _open(data)
    try:
        assert c.secrets.decrypt(token) == b"11010519491231002X"
    finally:
        c.close()


def _legacy_install(data: Path) -> tuple[bytes, bytes]:
    """Keys where versions before this one put them, and a value encrypted with them."""
    old = data / "keys"
    old.mkdir(parents=True, mode=0o700)
    key = Fernet.generate_key()
    (old / "data.key").write_bytes(key + b"\n")
    (old / "id-hash.key").write_bytes(b"A" * 44 + b"\n")
    return key, Fernet(key).encrypt(b"E98765432")


def test_keys_left_in_the_data_dir_are_still_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    _, token = _legacy_install(data)
    with caplog.at_level(logging.WARNING, logger="central.secrets_store"):
        c = _open(data)
    try:
        assert c.secrets.decrypt(token) == b"E98765432"
    finally:
        c.close()
    # No fresh key was made in the new place: it would not decrypt what is stored.
    assert not (tmp_path / "data-keys" / "data.key").exists()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(data / "keys" / "data.key") in m and "move it to" in m for m in warned), warned
    assert any(str(data / "keys" / "id-hash.key") in m for m in warned), warned


def test_a_moved_key_wins_and_the_leftover_copy_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    key, token = _legacy_install(data)
    keys = tmp_path / "data-keys"
    keys.mkdir()
    (keys / "data.key").write_bytes(key)
    (keys / "id-hash.key").write_bytes((data / "keys" / "id-hash.key").read_bytes())
    with caplog.at_level(logging.WARNING, logger="central.secrets_store"):
        c = _open(data)
    try:
        assert c.secrets.decrypt(token) == b"E98765432"
    finally:
        c.close()
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "old copy" in warned and "delete it" in warned


def test_a_keys_dir_inside_the_data_dir_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    with caplog.at_level(logging.WARNING, logger="central.secrets_store"):
        _open(data, data / "secret").close()
    assert any("inside the data directory" in r.getMessage() for r in caplog.records)


def test_cli_puts_keys_beside_the_data_and_warns_about_old_ones(run_central_cli, tmp_path: Path) -> None:
    r = run_central_cli("kiosks", "add", "Lobby")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "cli-data-keys" / "data.key").is_file()
    assert not (tmp_path / "cli-data" / "keys").exists()
    old = tmp_path / "old-data"
    _legacy_install(old)
    r = run_central_cli("kiosks", "add", "Lobby", env={"CENTRAL_DATA_DIR": str(old)})
    assert r.returncode == 0, r.stderr
    assert "WARNING" in r.stderr and str(old / "keys" / "data.key") in r.stderr
    assert not (tmp_path / "old-data-keys").exists()
