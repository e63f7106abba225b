"""Schemathesis over /openapi.json against a live server with a valid kiosk token: no 5xx,
responses match the documented schemas and status codes. Bounded so it runs in about a minute."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fixtures.central import VENV_BIN, start_central_server

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("backend", "phases", "examples"),
    [("sqlite", "fuzzing,stateful", "25"), ("postgresql", "coverage,fuzzing", "10")],
)
def test_schemathesis_finds_no_server_errors(
    backend: str, phases: str, examples: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").new_database()
    # Long-polls capped at 0.2 s: the fuzzer asks for `wait` up to 30 s on every call.
    srv = start_central_server(url, tmp_path / "data", longpoll_cap=0.2)
    try:
        token = srv.add_kiosk("fuzz")
        r = subprocess.run(
            [
                str(VENV_BIN / "schemathesis"),
                "run",
                srv.url("/openapi.json"),
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--phases",
                phases,
                "-n",
                examples,
                "--seed",
                "20261127",
                "--no-color",
                "--generation-database",
                "none",
                "--request-timeout",
                "20",
                "--report-dir",
                str(tmp_path / "rep"),
            ],
            capture_output=True,
            text=True,
            timeout=220,
            cwd=tmp_path,
            check=False,
        )
    finally:
        srv.stop()
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert " passed" in r.stdout
