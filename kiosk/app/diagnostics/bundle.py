"""The support bundle: a tar.gz with the diag report, recent logs and the config with its
secrets removed, safe to mail to the vendor: no ID number, name, phone number or token.

Logs are already written without personal data; the bundle scrubs them once more (ID
numbers, mobile numbers, bearer tokens, the kiosk's own token) because a bundle leaves the
building, and a log line from a library we do not control could carry one.
"""

from __future__ import annotations

import collections
import dataclasses
import io
import json
import logging
import re
import shutil
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kiosk.config import Config
from kiosk.sync import client as sync_client
from lobby_core.diagnostics import Report

LOG_LINES = 2000
MAX_LOG_LINE = 500
JOURNAL_UNIT = "lobby-kiosk"
REDACTED = "[redacted]"
# A Chinese resident ID (18 characters, the last may be X) or an old 15-digit one; a mainland
# mobile number; anything after "Bearer"; query parameters that name a secret; URL userinfo.
_SCRUB = [
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])"),
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    re.compile(r"(?i)(bearer\s+)\S+"),
    re.compile(r"(?i)((?:token|password|secret|pin|key)=)[^&\s]+"),
    re.compile(r"(://)[^/@\s]+(?=@)"),  # user:password@ in a URL
]
_SECRET_PARAMS = re.compile(r"(?i)(token|password|secret|pin|key)")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _SCRUB:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class RecentLog(logging.Handler):
    """The last LOG_LINES formatted records of this process, for the bundle (the running
    kiosk logs to stderr, that is the journal, which diag may not be allowed to read)."""

    def __init__(self, capacity: int = LOG_LINES) -> None:
        super().__init__(logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self._guard = threading.Lock()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)[:MAX_LOG_LINE]
        except Exception:  # a bad format string in someone's log call must not break logging
            return
        with self._guard:
            self.lines.append(line)

    def text(self) -> str:
        with self._guard:
            return "\n".join(self.lines)


def journal_tail() -> str:
    """Without a running kiosk: the service's journal, when journalctl exists and lets us."""
    exe = shutil.which("journalctl")
    if exe is None:
        return "(no journalctl on this machine; no recent logs)"
    try:
        proc = subprocess.run([exe, "-u", JOURNAL_UNIT, "-n", str(LOG_LINES), "--no-pager",
                               "-o", "short-iso"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"(journalctl failed: {exc})"
    return proc.stdout if proc.returncode == 0 else f"(journalctl: {proc.stderr.strip()[:200]})"


def _clean_url(url: str) -> str:
    """A URL without user:password and with secret-looking query values removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        f"{k}={REDACTED}" if _SECRET_PARAMS.search(k) else f"{k}={v}" if v else k
        for k, _, v in (item.partition("=") for item in parts.query.split("&") if item))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def clean_config(cfg: Config) -> dict[str, Any]:
    data = dataclasses.asdict(cfg)
    for section in data.values():
        if isinstance(section, dict):
            for key, value in section.items():
                if isinstance(value, str) and "://" in value:
                    section[key] = _clean_url(value)
    return data


def _add(tar: tarfile.TarFile, name: str, text: str) -> None:
    raw = text.encode("utf-8")
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(raw), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(raw))


def make_bundle(cfg: Config, report: Report, logs: str) -> bytes:
    token = sync_client.load_token(cfg.data_path) or ""
    secrets = [token]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        _add(tar, "lobby-kiosk-diag/diag.json",
             scrub(json.dumps(report.to_json(), ensure_ascii=False, indent=2), secrets))
        _add(tar, "lobby-kiosk-diag/config.json",
             scrub(json.dumps(clean_config(cfg), ensure_ascii=False, indent=2, default=str),
                   secrets))
        _add(tar, "lobby-kiosk-diag/recent.log", scrub(logs, secrets))
    return out.getvalue()
