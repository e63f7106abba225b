"""The `central` console script for operations: commands that only read refuse a database that
does not exist, a new database is announced, --version, users list/disable/enable/remove, and
the modes of what it creates whatever the umask."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

PW = "long enough pw\n"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_version(run_central_cli) -> None:
    from central import __version__

    r = run_central_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"central {__version__}"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """central.cli.main in this process (the console script's code, without the start-up cost),
    on a private data directory; returns (exit code, stdout, stderr)."""
    from central import cli as central_cli

    for var in [v for v in os.environ if v.startswith("CENTRAL_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("CENTRAL_DATA_DIR", str(tmp_path / "cli-data"))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = central_cli.main(list(args))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_commands_that_need_a_database_refuse_a_missing_one(cli, tmp_path: Path) -> None:
    typo = tmp_path / "lobby-centrl"
    for cmd in (("kiosks", "list"), ("visits", "list"), ("users", "list"), ("visits", "approve", "3"),
                ("users", "disable", "ada"), ("kiosks", "revoke", "x"), ("keys", "rotate"), ("purge",)):
        code, _, err = cli(*cmd, "--data-dir", str(typo))
        assert code == 2, (cmd, err)
        assert f"no central database at {typo / 'central.db'}" in err
        assert f"central users add NAME --role admin --data-dir {typo}" in err
        assert not typo.exists() and not Path(f"{typo}-keys").exists()  # nothing created


def test_a_missing_database_url_file_is_refused_too(run_central_cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    r = run_central_cli("kiosks", "list", "--database-url", url)
    assert r.returncode == 2 and f"--database-url {url}" in r.stderr
    assert not (tmp_path / "elsewhere.db").exists()


def test_an_empty_file_is_not_a_database(run_central_cli, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "central.db").write_bytes(b"")
    r = run_central_cli("kiosks", "list", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "no central database" in r.stderr


def test_read_only_commands_refuse_missing_keys_instead_of_making_new_ones(
    run_central_cli, tmp_path: Path
) -> None:
    d = tmp_path / "d"
    made = run_central_cli("users", "add", "ada", "--role", "admin", "--data-dir", str(d), stdin=PW)
    assert made.returncode == 0
    (tmp_path / "d-keys" / "data.key").unlink()
    r = run_central_cli("visits", "list", "--data-dir", str(d))
    assert r.returncode == 2 and "data.key is missing" in r.stderr
    assert not (tmp_path / "d-keys" / "data.key").exists()


def test_a_command_that_creates_a_database_says_so_once(run_central_cli, tmp_path: Path) -> None:
    d = tmp_path / "new"
    first = run_central_cli("kiosks", "add", "Lobby", "--data-dir", str(d))
    assert first.returncode == 0, first.stderr
    assert f"central: created a new database at {d / 'central.db'}" in first.stderr
    again = run_central_cli("kiosks", "list", "--data-dir", str(d))
    assert again.returncode == 0 and "Lobby" in again.stdout and "created" not in again.stderr


def test_files_are_private_whatever_the_umask(run_central_cli, tmp_path: Path) -> None:
    d = tmp_path / "data"
    old = os.umask(0o022)
    try:
        r = run_central_cli("users", "add", "ada", "--role", "admin", "--data-dir", str(d), stdin=PW)
        assert r.returncode == 0, r.stderr
        # A write leaves the WAL files behind until the last connection closes; make some.
        assert run_central_cli("kiosks", "add", "Lobby", "--data-dir", str(d)).returncode == 0
    finally:
        os.umask(old)
    keys = tmp_path / "data-keys"
    assert _mode(d) == 0o700 and _mode(keys) == 0o700
    files = [*d.glob("central.db*"), *keys.iterdir()]
    assert {p.name for p in files} >= {"central.db", "data.key", "id-hash.key"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_users_list_disable_enable_remove(run_central_cli, tmp_path: Path) -> None:
    for name, role in (("ada", "admin"), ("rita", "receptionist"), ("tom", "technician")):
        assert run_central_cli("users", "add", name, "--role", role, stdin=PW).returncode == 0
    assert run_central_cli("users", "pin", "rita", stdin="482916\n").returncode == 0
    last = run_central_cli("users", "disable", "ada")
    assert last.returncode == 2 and "last enabled admin" in last.stderr
    assert run_central_cli("users", "remove", "ada").returncode == 2
    off = run_central_cli("users", "disable", "rita")
    assert off.returncode == 0 and "disabled" in off.stdout
    assert "disabled already" in run_central_cli("users", "disable", "rita").stdout
    listed = run_central_cli("users", "list").stdout.splitlines()
    assert [line.split("\t")[:4] for line in listed] == [
        ["ada", "admin", "enabled", "no-pin"],
        ["rita", "receptionist", "disabled", "pin"],
        ["tom", "technician", "enabled", "no-pin"],
    ]
    assert run_central_cli("users", "enable", "rita").returncode == 0
    assert run_central_cli("users", "remove", "tom").returncode == 0
    assert [line.split("\t")[0] for line in run_central_cli("users", "list").stdout.splitlines()] == [
        "ada", "rita"]


def test_users_actions_refuse_unknown_names(cli) -> None:
    assert cli("users", "add", "rita", "--role", "receptionist", stdin=PW)[0] == 0
    for name in ("nobody", "x" * 300, "rita'; DROP TABLE users;--", "李雷", "", "RITA"):
        for action in ("disable", "enable", "remove"):
            code, _, err = cli("users", action, "--", name)
            assert code == 2 and "no user named" in err, (name, action, err)
    assert cli("users", "list")[1].startswith("rita\treceptionist\tenabled")


def test_an_empty_kiosk_list_says_how_to_add_one(cli) -> None:
    assert cli("users", "add", "ada", "--role", "admin", stdin=PW)[0] == 0
    code, out, err = cli("kiosks", "list")
    assert (code, out) == (0, "") and "central kiosks add NAME" in err
    assert cli("kiosks", "add", "Lobby")[0] == 0
    code, out, err = cli("kiosks", "list")
    assert code == 0 and "\tLobby\t" in out and err == ""


def test_an_empty_postgresql_database_is_not_a_central_one(cli, pg_cluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    code, _, err = cli("visits", "list", "--database-url", url)
    assert code == 2 and "has no central schema" in err and "central users add" in err
    code, _, err = cli("users", "add", "ada", "--role", "admin", "--database-url", url, stdin=PW)
    assert code == 0 and "created a new database in postgresql+psycopg://test@" in err
    code, out, err = cli("users", "list", "--database-url", url)
    assert code == 0 and out.startswith("ada\tadmin\tenabled") and err == ""
