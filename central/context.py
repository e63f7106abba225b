"""The one object every service function takes: settings, database, secrets, signer, wake-ups.

The API keeps it in `app.state.central`; the console reaches it with `get_central(request)`;
CLI commands and tests open their own with `Central.open(settings)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database
from .migrate import upgrade
from .secrets_store import Secrets
from .settings import Settings
from .signing import Signer
from .wakeups import Wakeups


@dataclass
class Central:
    settings: Settings
    db: Database
    secrets: Secrets
    signer: Signer
    wakeups: Wakeups

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Central:
        db = Database(settings.database_url)
        if migrate:
            upgrade(db.engine)
        secrets = Secrets.load(settings.keys_dir, settings.data_dir)
        wakeups = Wakeups(settings.database_url)
        db.after_commit = wakeups.wake_local
        return cls(
            settings=settings,
            db=db,
            secrets=secrets,
            signer=Signer(secrets, settings.key_rotation),
            wakeups=wakeups,
        )

    def close(self) -> None:
        self.db.dispose()
