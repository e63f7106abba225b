"""Console users as the console lists them. Adding users and setting passwords stay in
central.web_auth, beside the password hashing they need."""

from __future__ import annotations

from sqlalchemy import select

from ..context import Central
from ..models import User


def listing(central: Central) -> list[User]:
    """Every console user by name."""
    with central.db.reading() as s:
        return list(s.execute(select(User).order_by(User.username)).scalars())
