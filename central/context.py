"""The one object every service function takes: settings, database, secrets, signer, wake-ups.

The API keeps it in `app.state.central`; the console reaches it with `get_central(request)`;
CLI commands and tests open their own with `Central.open(settings)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect

from .db import Database, DatabaseMissing, shown_url, sqlite_path
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

    # True when open() made a new database (or schema) rather than finding one.
    created: bool = False

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True, create: bool = True) -> Central:
        """Open (and migrate) the database and load the keys. With create=False a database
        that does not exist yet is DatabaseMissing instead of a fresh empty one, and missing
        key files are an error instead of new keys."""
        url = settings.database_url
        path = sqlite_path(url)
        if not create and path is not None and not path.is_file():
            raise DatabaseMissing(_missing(settings, path))
        db = Database(url)
        try:
            fresh = not has_schema(db.engine)
            if fresh and not create:
                raise DatabaseMissing(_missing(settings, path))
            if migrate:
                upgrade(db.engine)
            secrets = Secrets.load(settings.keys_dir, settings.data_dir, create=create)
        except BaseException:
            db.dispose()
            raise
        wakeups = Wakeups(url)
        db.after_commit = wakeups.wake_local
        return cls(
            settings=settings,
            db=db,
            secrets=secrets,
            signer=Signer(secrets, settings.key_rotation),
            wakeups=wakeups,
            created=fresh,
        )

    def close(self) -> None:
        self.db.dispose()


def has_schema(engine: Engine) -> bool:
    """Whether the database has been set up as central's (Alembic has stamped it)."""
    with engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")


def _missing(settings: Settings, path: Path | None) -> str:
    if path is not None:
        where = f"no central database at {path}"
        if not path.parent.exists():
            where += f" (the directory {path.parent} does not exist)"
        flag = (f"--data-dir {settings.data_dir}" if path == settings.data_dir / "central.db"
                else f"--database-url {settings.database_url}")
        return (f"{where}; check --data-dir, $CENTRAL_DATA_DIR or --database-url, or create one "
                f"with: central users add NAME --role admin {flag}")
    return (f"the database {shown_url(settings.database_url)} has no central schema; check "
            "--database-url, or create it with: central users add NAME --role admin")
