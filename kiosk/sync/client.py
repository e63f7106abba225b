"""Where the kiosk's central is and how to reach it: config, enrollment record, token.

`kiosk enroll URL CODE` keeps the URL it enrolled with next to the token (the token is only
good there); that URL wins over `[central] url` in the config from then on.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend_client.api import CentralAPI
from backend_client.http import ClientSettings
from backend_client.token_store import TokenStore
from kiosk.config import Config

ENROLLMENT_FILE = "central-enrollment.json"


@dataclass(frozen=True)
class CentralConfig:
    data_dir: Path
    url: str
    ca_bundle: str = ""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 40.0
    retries: int = 3
    backoff_s: float = 0.5

    @classmethod
    def from_config(cls, cfg: Config) -> CentralConfig:
        c = cfg.central
        url = enrolled_url(cfg.data_path) or c.url
        return cls(cfg.data_path, url, c.ca_bundle, c.connect_timeout_s, c.read_timeout_s)

    def client_settings(self, url: str | None = None) -> ClientSettings:
        return ClientSettings(base_url=url or self.url, ca_bundle=self.ca_bundle,
                              connect_timeout_s=self.connect_timeout_s,
                              read_timeout_s=self.read_timeout_s, retries=self.retries,
                              backoff_s=self.backoff_s)


def load_token(data_dir: Path) -> str | None:
    return TokenStore(data_dir).load()


def make_api(central: CentralConfig, token: str | None) -> CentralAPI:
    return CentralAPI(central.client_settings(), token)


def enrolled_url(data_dir: Path) -> str | None:
    try:
        data = json.loads((Path(data_dir) / ENROLLMENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    url = data.get("url") if isinstance(data, dict) else None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def save_enrollment(data_dir: Path, url: str, kiosk_id: int, name: str) -> None:
    record: dict[str, Any] = {"url": url, "kiosk_id": kiosk_id, "name": name,
                              "enrolled_at": datetime.now(UTC).isoformat(timespec="seconds")}
    path = Path(data_dir) / ENROLLMENT_FILE
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(record, ensure_ascii=False).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
