"""`kiosk diag`: each device's state, clock, storage and sync backlog, for a technician.

Exit status 0 when every configured device is ok, 1 when one is degraded or down, 2 when
the config itself is bad.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import devices
from backend_client import status as sync_status
from kiosk import __version__, config
from kiosk.store import Store, StoreError
from kiosk.store.database import DB_FILENAME

_OPENERS = {
    "card_reader": devices.open_card_reader,
    "relay": devices.open_relay,
    "printer": devices.open_printer,
    "qr_scanner": devices.open_scanner,
}


_UNSETTLED = {"not started", "starting"}


@dataclass
class DeviceReport:
    name: str
    url: str
    state: str
    reason: str


def probe_device(name: str, url: str) -> DeviceReport:
    if url == "none":
        return DeviceReport(name, url, "ok", "not configured")
    try:
        dev = _OPENERS[name](url)
    except devices.DeviceError as exc:
        return DeviceReport(name, url, "down", str(exc) or type(exc).__name__)
    try:
        if isinstance(dev, devices.CardReader | devices.Scanner):
            health = _watch_briefly(dev)
        else:
            health = dev.health()
        return DeviceReport(name, url, health.state.value, health.reason)
    finally:
        try:
            dev.close()
        except devices.DeviceError:
            pass


def _watch_briefly(dev: devices.CardReader | devices.Scanner,
                   settle_s: float = 3.0) -> devices.Health:
    """Readers only know their state once watching; a tap or scan meanwhile is ignored."""
    dev.start(lambda _event: None)
    deadline = time.monotonic() + settle_s
    health = dev.health()
    while health.reason in _UNSETTLED and time.monotonic() < deadline:
        time.sleep(0.05)
        health = dev.health()
    return health


def storage_report(data_dir: Path) -> dict[str, Any]:
    probe = data_dir if data_dir.exists() else data_dir.parent
    try:
        usage = shutil.disk_usage(probe)
    except OSError as exc:
        return {"data_dir": str(data_dir), "error": exc.strerror}
    return {
        "data_dir": str(data_dir),
        "exists": data_dir.exists(),
        "free_mb": usage.free // 2**20,
        "total_mb": usage.total // 2**20,
    }


def live_backlog(data_dir: Path) -> int | None:
    """The backlog counted now from the store, or None (then the status file's last figure
    stands): no database yet (opening one would create it), or it cannot be opened or read."""
    if not (data_dir / DB_FILENAME).exists():
        return None
    try:
        store = Store.open(data_dir)
    except StoreError:
        return None
    try:
        with store.read() as tx:
            return tx.backlog()
    except StoreError:
        return None
    finally:
        store.close()


def collect(cfg: config.Config) -> dict[str, Any]:
    d = cfg.devices
    urls = {"card_reader": d.card_reader, "relay": d.relay, "printer": d.printer,
            "qr_scanner": d.qr_scanner}
    now = datetime.now(UTC)
    return {
        "version": __version__,
        "kiosk": cfg.kiosk.name,
        "config": cfg.path,
        "clock": {"utc": now.isoformat(timespec="seconds"),
                  "local": now.astimezone(cfg.zone).isoformat(timespec="seconds"),
                  "timezone": cfg.kiosk.timezone, "monotonic_s": round(time.monotonic(), 1)},
        "devices": [asdict(probe_device(n, u)) for n, u in urls.items()],
        "storage": storage_report(cfg.data_path),
        "central": {"url": cfg.central.url},
        "sync": sync_status.read(cfg.data_path, backlog=live_backlog(cfg.data_path)),
    }


def render(report: dict[str, Any]) -> str:
    lines = [f"lobby-kiosk {report['version']} — {report['kiosk']} ({report['config']})",
             f"clock: {report['clock']['local']} ({report['clock']['timezone']})", "devices:"]
    for dev in report["devices"]:
        reason = f" — {dev['reason']}" if dev["reason"] else ""
        lines.append(f"  {dev['name']:<12} {dev['state']:<9} {dev['url']}{reason}")
    st = report["storage"]
    if "error" in st:
        lines.append(f"storage: {st['data_dir']}: {st['error']}")
    else:
        lines.append(f"storage: {st['data_dir']} — {st['free_mb']} MB free of {st['total_mb']} MB")
    lines.append(f"central: {report['central']['url']}")
    lines.append(f"sync: {sync_status.summary(report['sync'])}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"kiosk diag: {exc}", file=sys.stderr)
        return 2
    report = collect(cfg)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report))
    return 0 if all(d["state"] == "ok" for d in report["devices"]) else 1
