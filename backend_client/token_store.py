"""Keep the kiosk's bearer token in data_dir, readable by the kiosk user only (mode 0600)."""

from __future__ import annotations

import os
from pathlib import Path

TOKEN_FILE = "central_token"


class TokenStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / TOKEN_FILE

    def load(self) -> str | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return text or None

    def save(self, token: str) -> None:
        if not token or any(c.isspace() for c in token):
            raise ValueError("refusing to store an empty or whitespace-containing token")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        # Created 0600 from the start: a chmod after writing would leave a window.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, token.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
