"""Console pages' server time with 100,000 visits in the database, against a bare floor.

Seeds a fresh SQLite database (the default deployment) with 100,000 visits over 60 days on
five kiosks (a realistic mix of approved, denied, expired and revoked; a few pending and a
few visitors on site), 10,000 members, blocklist entries and invitations, in bulk inserts.
Then serves the real app under uvicorn on loopback with one extra trivial route as the floor,
and requests each page sequentially over a keep-alive connection as a logged-in admin.

"Server time" is measured inside the server by an ASGI wrapper (first byte in to last byte
out), so the client's own overhead is not counted; the floor goes through the same wrapper,
middleware and uvicorn. Target: every page p99 <= 300 ms. The CSV export of a month (many
thousand rows) is a download, not a page: its throughput is printed, not held to the target.
"""

from __future__ import annotations

import random
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import uvicorn
from fastapi.responses import PlainTextResponse
from sqlalchemy import insert
from starlette.types import ASGIApp, Receive, Scope, Send

VISITS = 100_000
MEMBERS = 10_000
DAYS = 60
REQUESTS = 60
WARMUP = 5
TARGET_MS = 300.0

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
HOSTS = [f"{b}座 {f:02d}{u:02d}" for b in "ABCDE" for f in range(1, 31) for u in range(1, 5)] + [
    "物业服务中心",
    "会所前台",
    "恒信科技有限公司",
    "华远律师事务所",
]
PURPOSES = ["拜访", "送货", "装修", "面试", "维修", "快递", "家政", "会议"]


class Timed:
    """ASGI wrapper recording each request's server time (ns), from call to last body byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last_ns = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter_ns()

        async def timed_send(msg: Any) -> None:
            await send(msg)
            if msg["type"] == "http.response.body" and not msg.get("more_body", False):
                self.last_ns = time.perf_counter_ns() - t0

        await self.app(scope, receive, timed_send)


def _seed(central: Any, rng: random.Random) -> dict[str, Any]:
    from central import web_auth
    from central.models import BlocklistEntry, Kiosk, Member, Visit
    from central.services import invitations

    now = datetime.now(UTC)
    web_auth.add_user(central, "admin", "bench password", "admin")
    with central.db.writing() as s:
        s.execute(
            insert(Kiosk),
            [
                {
                    "name": n,
                    "enrolled_at": now,
                    "last_heartbeat_at": now - timedelta(seconds=rng.randint(0, 400)),
                    "outbox_depth": rng.randint(0, 50),
                    "clock_skew_ms": rng.randint(-900, 900),
                    "versions": {"kiosk": "0.1.0"},
                    "health": [
                        {"name": "printer", "kind": "printer", "state": "ok", "reason": ""},
                        {"name": "reader", "kind": "card_reader", "state": "degraded", "reason": "slow"},
                    ],
                }
                for n in ("大堂 1 号机", "大堂 2 号机", "会所入口", "泳池闸机", "客服中心")
            ],
        )
    kiosk_ids = [1, 2, 3, 4, 5]
    enc = central.secrets.encrypt(b"110105199003070000")  # one blob for all: we time reads, not crypto
    rows = []
    pass_id = 1
    for i in range(VISITS):
        created = now - timedelta(seconds=rng.randint(3600, DAYS * 86400))
        status = rng.choices(["approved", "denied", "expired", "revoked"], weights=[80, 10, 8, 2])[0]
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        row: dict[str, Any] = {
            "kiosk_id": rng.choice(kiosk_ids),
            "client_id": f"00000000-0000-4000-8000-{i:012d}",
            "request_digest": secrets.token_hex(32),
            "id_type": "cn_ric",
            "id_number_enc": enc,
            "id_hash": secrets.token_hex(32),
            "id_masked": f"110***********{i % 10000:04d}",
            "name": name,
            "mobile": f"138{i:08d}",
            "host": rng.choice(HOSTS),
            "purpose": rng.choice(PURPOSES),
            "party_size": rng.choice([1, 1, 1, 2, 3]),
            "blocklisted": rng.random() < 0.002,
            "status": status,
            "created_at": created,
            "expires_at": created + timedelta(minutes=10),
            "decided_at": created + timedelta(minutes=1),
            "decided_by": 1,
            "ends_at": created + timedelta(hours=4),
        }
        if status == "denied":
            row["deny_reason"] = "被访人不在"
        if status in ("approved", "revoked"):
            row.update(
                pass_id=pass_id,
                pass_text="X" * 60,
                pass_valid_from=created,
                pass_valid_until=created + timedelta(hours=4),
                pass_facilities="lobby",
                pass_entries=2,
                checked_in_at=created + timedelta(minutes=3),
                checked_out_at=created + timedelta(hours=1),
            )
            pass_id += 1
        rows.append(row)
    # A few waiting right now and a few on site right now.
    for row in rows[:20]:
        row.update(
            status="pending",
            created_at=now - timedelta(minutes=2),
            expires_at=now + timedelta(minutes=8),
            decided_at=None,
            decided_by=None,
            ends_at=None,
            pass_id=None,
            checked_in_at=None,
            checked_out_at=None,
            pass_valid_until=None,
        )
    for row in rows[20:80]:
        row.update(
            status="approved",
            created_at=now - timedelta(hours=1),
            pass_id=pass_id,
            pass_valid_until=now + timedelta(hours=3),
            checked_in_at=now - timedelta(minutes=50),
            checked_out_at=None,
            ends_at=now + timedelta(hours=3),
        )
        pass_id += 1
    t0 = time.perf_counter()
    with central.db.writing() as s:
        for k in range(0, len(rows), 5000):
            s.execute(insert(Visit), rows[k : k + 5000])
        s.execute(
            insert(Member),
            [
                {
                    "member_no": f"M{i:06d}",
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "card_uids": f"04{i:06X}",
                    "facilities": "gym|pool",
                    "valid_from": date(2026, 1, 1),
                    "valid_until": date(2026, 12, 31),
                    "status": "active",
                    "visits_remaining": None,
                    "version": i + 1,
                    "deleted": False,
                    "updated_at": now,
                }
                for i in range(MEMBERS)
            ],
        )
        s.execute(
            insert(BlocklistEntry),
            [
                {
                    "id_type": "cn_ric",
                    "id_hash": secrets.token_hex(32),
                    "id_masked": f"110***********{i:04d}",
                    "reason": "bench",
                    "created_at": now,
                }
                for i in range(200)
            ],
        )
    for i in range(30):
        invitations.create(central, None, f"访客{i}", rng.choice(HOSTS), now, now + timedelta(days=2))
    seeded = time.perf_counter() - t0
    month_ago = (now - timedelta(days=30)).date().isoformat()
    return {"seed_s": seeded, "month_from": month_ago, "host": HOSTS[7]}


def _percentiles(samples: list[int]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49] / 1e6, q[98] / 1e6


def _measure(get: Callable[[], requests.Response], timed: Timed, n: int) -> list[int]:
    out = []
    for i in range(n + WARMUP):
        r = get()
        if r.status_code != 200:
            raise RuntimeError(f"{r.request.url} answered {r.status_code}: {r.text[:200]}")
        if i >= WARMUP:
            out.append(timed.last_ns)
    return out


def main() -> int:
    from central.app import create_app
    from central.context import Central
    from central.server import CentralServer
    from central.settings import resolve

    rng = random.Random(20261127)
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        settings = resolve(f"sqlite:///{Path(tmp) / 'central.db'}", Path(tmp) / "data")
        central = Central.open(settings)
        t0 = time.perf_counter()
        info = _seed(central, rng)
        print(f"seeded {VISITS} visits, {MEMBERS} members in {time.perf_counter() - t0:.1f} s (SQLite)")

        app = create_app(central, run_jobs=False)
        app.add_api_route("/bench/floor", lambda: PlainTextResponse("ok"), include_in_schema=False)
        timed = Timed(app)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(timed, log_level="warning", access_log=False, lifespan="on")
        server = CentralServer(config, central)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            http = requests.Session()
            http.headers["Accept-Language"] = "zh-CN"
            page = http.get(base + "/login").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            r = http.post(
                base + "/login",
                data={"username": "admin", "password": "bench password", "csrf_token": token},
                allow_redirects=False,
            )
            assert r.status_code == 303, r.text

            pages: list[tuple[str, str]] = [
                ("login (anonymous)", "/login"),
                ("pending", "/console/pending"),
                ("pending live (no wait)", "/console/pending/live?wait=0"),
                ("on site", "/console/onsite"),
                ("visit log, newest", "/console/log"),
                ("log, host contains", "/console/log?host=" + info["host"]),
                ("log, month + status", f"/console/log?from={info['month_from']}&status=denied"),
                ("log, kiosk, page 100", "/console/log?kiosk=3&page=100"),
                ("invitations", "/console/invitations"),
                ("members, search", "/console/members?q=M0012"),
                ("blocklist", "/console/blocklist"),
                ("kiosks", "/console/kiosks"),
                ("users", "/console/users"),
            ]
            anon = requests.Session()
            floor = _measure(lambda: anon.get(base + "/bench/floor"), timed, REQUESTS * 3)
            f50, f99 = _percentiles(floor)
            print(f"{'page':<26} {'p50 ms':>8} {'p99 ms':>8} {'x floor p50':>12}")
            print(f"{'floor (trivial route)':<26} {f50:8.2f} {f99:8.2f} {1:12.1f}")
            worst = 0.0
            for label, path in pages:
                client = anon if label.endswith("(anonymous)") else http
                samples = _measure(lambda c=client, p=path: c.get(base + p), timed, REQUESTS)  # type: ignore[misc]
                p50, p99 = _percentiles(samples)
                worst = max(worst, p99)
                print(f"{label:<26} {p50:8.2f} {p99:8.2f} {p50 / f50:12.1f}")
            t0 = time.perf_counter()
            r = http.get(base + f"/console/log.csv?from={info['month_from']}")
            took = time.perf_counter() - t0
            lines = r.content.count(b"\n") - 1
            print(
                f"CSV export of a month: {lines} rows, {len(r.content) / 1e6:.1f} MB in {took * 1e3:.0f} ms "
                f"({lines / took:,.0f} rows/s)"
            )
        finally:
            server.should_exit = True
            thread.join(15)
            central.close()
    ok = worst <= TARGET_MS
    print(
        f"target: every console page p99 <= {TARGET_MS:.0f} ms with {VISITS} visits: "
        f"{'met' if ok else 'NOT met'} (worst p99 {worst:.1f} ms)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
