"""Personal data at rest and in logs: after visits through a real `central serve`, neither its
log output nor the raw SQLite files (database, WAL) contain the ID number or the mobile."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path

import requests

from central.context import Central
from central.services import visits
from central.settings import resolve
from tests.fixtures.central import VENV_BIN, free_port, wait_until

RIC = "11010519491231002X"
PASSPORT = "E98765432"
MOBILE = "13912345678"


def test_id_numbers_never_reach_logs_or_the_database_file(run_central_cli, tmp_path: Path) -> None:
    data = tmp_path / "cli-data"
    code = run_central_cli("kiosks", "add", "Lobby").stdout.strip().splitlines()[-1]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL_")}
    env["CENTRAL_DATA_DIR"] = str(data)
    proc = subprocess.Popen(
        [str(VENV_BIN / "central"), "serve", "--port", str(port), "--log-level", "debug"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return requests.get(base + "/healthz", timeout=1).ok
            except requests.ConnectionError:
                return proc.poll() is not None

        wait_until(up, 30, "central serve")
        token = requests.post(base + "/api/v1/enroll", json={"code": code}, timeout=5).json()["token"]
        k = requests.Session()
        k.headers["Authorization"] = f"Bearer {token}"
        ids = []
        for id_type, number in (("cn_ric", RIC), ("cn_ric", RIC.lower()), ("passport", PASSPORT)):
            r = k.post(
                base + "/api/v1/visits",
                json={
                    "client_id": str(uuid.uuid4()),
                    "id_type": id_type,
                    "id_number": number,
                    "id_country": "GBR" if id_type == "passport" else None,
                    "name": "张三丰",
                    "mobile": MOBILE,
                    "host": "12-301",
                    "purpose": "visit",
                },
                timeout=5,
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["visit_id"])
        # Refused numbers must not be echoed or logged either.
        bad = k.post(
            base + "/api/v1/visits",
            json={
                "client_id": str(uuid.uuid4()),
                "id_type": "cn_ric",
                "id_number": RIC[:-1] + "1",
                "name": "张三丰",
                "mobile": MOBILE,
                "host": "12-301",
                "purpose": "visit",
            },
            timeout=5,
        )
        assert bad.status_code == 422 and RIC[:-1] not in bad.text
        central = Central.open(resolve(None, data))
        try:
            visits.approve_visit(central, ids[0], None)
            visits.deny_visit(central, ids[1], None, "no")
        finally:
            central.close()
        assert k.get(base + f"/api/v1/visits/{ids[0]}", timeout=5).json()["status"] == "approved"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    # The log is there (debug level, no access log since aec43a0), and it is the log we searched.
    assert "Application startup complete" in out and "DEBUG" in out
    raw = b"".join(p.read_bytes() for p in data.iterdir() if p.name.startswith("central.db"))
    assert len(raw) > 10_000
    for secret in (RIC, RIC[:-1], PASSPORT, MOBILE):
        assert secret not in out, f"{secret} in the log"
    for secret in (RIC, RIC.lower(), RIC[:-1], PASSPORT):
        assert secret.encode() not in raw, f"{secret} in the database file"
        assert secret.encode("utf-16-le") not in raw
    assert "张三丰" not in out
