"""The `central` console script end to end: users, kiosks, members import, visits list, serve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import requests

from tests.fixtures.central import VENV_BIN, free_port, wait_until

CSV = (
    "member_no,name,card_uid,facilities,valid_from,valid_until,status,visits_remaining\n"
    "M001,张三,04:A1:B2:C3,gym|pool,2026-01-01,2026-12-31,active,\n"
    "M002,Li Si,04A1B2C4,gym,2026-01-01,2026-12-31,frozen,10\n"
    "M003,Bad Date,04A1B2C5,gym,2026-13-01,2026-12-31,active,\n"
)


def _established(port: int) -> int:
    """Server-side ESTABLISHED TCP connections on 127.0.0.1:port (from /proc/net/tcp)."""
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            n += 1
    return n


def test_users_add_reads_password_from_stdin_and_rejects_duplicates(run_central_cli) -> None:
    r = run_central_cli("users", "add", "alice", "--role", "receptionist", stdin="long enough pw\n")
    assert r.returncode == 0, r.stderr
    again = run_central_cli("users", "add", "alice", "--role", "admin", stdin="long enough pw\n")
    assert again.returncode == 2 and "exists already" in again.stderr
    short = run_central_cli("users", "add", "bob", "--role", "admin", stdin="short\n")
    assert short.returncode == 2 and "8 to 256" in short.stderr
    bad_role = run_central_cli("users", "add", "carol", "--role", "janitor", stdin="long enough pw\n")
    assert bad_role.returncode == 2


def test_members_import_reports_bad_rows_by_line(run_central_cli, tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(CSV, encoding="utf-8")
    r = run_central_cli("members", "import", str(f))
    assert r.returncode == 1
    assert "line 4" in r.stderr
    assert "2 added" in r.stdout and "1 rows refused" in r.stdout
    missing = run_central_cli("members", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "nope.csv" in missing.stderr


def test_serve_enroll_and_prompt_shutdown_with_a_waiting_long_poll(run_central_cli, tmp_path: Path) -> None:
    add = run_central_cli("kiosks", "add", "Front desk")
    assert add.returncode == 0, add.stderr
    code = add.stdout.strip().splitlines()[-1]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL_")}
    env["CENTRAL_DATA_DIR"] = str(tmp_path / "cli-data")
    proc = subprocess.Popen(
        [str(VENV_BIN / "central"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return requests.get(base + "/healthz", timeout=1).status_code == 200
            except requests.ConnectionError:
                return proc.poll() is not None

        wait_until(up, 30, "central serve to answer")
        assert proc.poll() is None
        token = requests.post(base + "/api/v1/enroll", json={"code": code}, timeout=5).json()["token"]
        assert requests.get(base + "/openapi.json", timeout=5).json()["paths"]["/api/v1/updates"]

        import threading

        result: dict[str, object] = {}

        def poll() -> None:
            r = requests.get(
                base + "/api/v1/updates",
                params={"wait": 30},
                headers={"Authorization": f"Bearer {token}"},
                timeout=40,
            )
            result["status"] = r.status_code

        t = threading.Thread(target=poll)
        t.start()
        # The poll must be inside the server when shutdown starts: wait for its connection.
        wait_until(lambda: _established(port) >= 1, 10, "the long-poll's connection")
        proc.send_signal(signal.SIGTERM)
        # A 30 s poll must not hold the shutdown: uvicorn's own grace period is 5 s.
        proc.wait(timeout=4)
        t.join(timeout=5)
        assert result.get("status") == 200
    finally:
        if proc.poll() is None:
            proc.kill()
        out = proc.stdout.read() if proc.stdout else ""
    assert "Traceback" not in out, out


def test_visits_list_is_the_visit_log_by_status(run_central_cli, tmp_path: Path) -> None:
    from central.context import Central
    from central.services import kiosks, visits
    from central.settings import resolve

    central = Central.open(resolve(None, tmp_path / "cli-data"))  # the data dir the CLI uses
    try:
        kiosk_id, _ = kiosks.create_kiosk(central, "Lobby A")

        def register(n: int, name: str, host: str) -> int:
            req = visits.VisitRequest(
                client_id=str(uuid.uuid4()), id_type="passport", id_number=f"E{n:08d}",
                id_country="USA", name=name,
                mobile="13800138000", host=host, purpose="visit",
            )  # fmt: skip
            return visits.create_visit(central, kiosk_id, req)[0].visit_id

        first = register(1, "Ann Lee", "A-1203")
        second = register(2, "Bo Chen", "B-0801")
        third = register(3, "Cy Wu", "C-0101")
        visits.approve_visit(central, second, None)
    finally:
        central.close()

    def listed(*args: str) -> list[dict[str, object]]:
        r = run_central_cli("visits", "list", "--json", *args)
        assert r.returncode == 0, r.stderr
        return list(json.loads(r.stdout))

    everything = listed()
    assert [v["id"] for v in everything] == [third, second, first]  # newest first
    assert [v["id"] for v in listed("--status", "approved")] == [second]
    assert [v["id"] for v in listed("--status", "pending")] == [third, first]
    assert everything[1]["status"] == "approved" and everything[1]["kiosk"] == "Lobby A"
    text = run_central_cli("visits", "list", "--limit", "2")
    lines = [line.split("\t") for line in text.stdout.splitlines()]
    assert [(int(f[0]), f[3], f[-1]) for f in lines] == [
        (third, "pending", "Cy Wu"),
        (second, "approved", "Bo Chen"),
    ]
    assert "2 of 3" in text.stderr
    for r in (text, run_central_cli("visits", "list", "--json")):
        assert "E00000001" not in r.stdout and "13800138000" not in r.stdout  # no ID or mobile number
    bad = run_central_cli("visits", "list", "--status", "nope")
    assert bad.returncode == 2 and "--status must be one of pending, approved" in bad.stderr


def test_keys_rotate_starts_signing_with_a_new_key(run_central_cli, tmp_path: Path) -> None:
    from central.context import Central
    from central.services import keys
    from central.settings import resolve

    assert run_central_cli("users", "add", "ada", "--role", "admin", stdin="long enough pw\n").returncode == 0
    said = []
    for _ in range(2):
        r = run_central_cli("keys", "rotate")
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("now signing with key ")
        said.append(r.stdout.split()[-1])
    assert said[0] != said[1]
    central = Central.open(resolve(None, tmp_path / "cli-data"))
    try:
        published = {str(k["key_id"]) for k in keys.published(central)}
    finally:
        central.close()
    # The first key signed no pass, so nothing needs it once the second one took over.
    assert published == {said[1]}


def test_users_pin_sets_a_receptionists_kiosk_pin_hashed(run_central_cli, tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    from central.context import Central
    from central.services import users
    from central.settings import resolve

    for name, role in (("rita", "receptionist"), ("tom", "technician")):
        r = run_central_cli("users", "add", name, "--role", role, stdin="long enough pw\n")
        assert r.returncode == 0, r.stderr
    ok = run_central_cli("users", "pin", "rita", stdin="482916\n")
    assert ok.returncode == 0, ok.stderr
    assert "482916" not in ok.stdout + ok.stderr
    assert run_central_cli("users", "pin", "rita", stdin="12a4\n").returncode != 0  # not digits
    assert run_central_cli("users", "pin", "rita", stdin="123\n").returncode != 0  # too short
    tech = run_central_cli("users", "pin", "tom", stdin="731904\n")  # technicians have PINs too
    assert tech.returncode == 0, tech.stderr
    assert run_central_cli("users", "pin", "nobody", stdin="482916\n").returncode != 0
    central = Central.open(resolve(None, tmp_path / "cli-data"))
    try:
        hashes = {name: (h, role) for name, h, role in users.pin_hashes(central)}
    finally:
        central.close()
    assert sorted(hashes) == ["rita", "tom"]
    assert [hashes["rita"][1], hashes["tom"][1]] == ["receptionist", "technician"]
    assert PasswordHasher().verify(hashes["rita"][0], "482916")
    assert PasswordHasher().verify(hashes["tom"][0], "731904")
    raw = b"".join(p.read_bytes() for p in (tmp_path / "cli-data").glob("central.db*"))
    assert b"482916" not in raw


def test_visits_approve_and_deny_refuse_ids_no_visit_can_have(run_central_cli) -> None:
    for bad in ("99999999999999999999", "0", "-3", "abc"):
        for cmd in (("visits", "approve", "--", bad), ("visits", "deny", "--reason", "x", "--", bad)):
            r = run_central_cli(*cmd)
            assert r.returncode == 2 and "Traceback" not in r.stderr, (cmd, r.stderr)
            assert "visit id" in r.stderr or "whole number" in r.stderr
    assert run_central_cli("users", "add", "ada", "--role", "admin", stdin="long enough pw\n").returncode == 0
    missing = run_central_cli("visits", "approve", "12")
    assert missing.returncode == 1 and "no such visit" in missing.stderr
