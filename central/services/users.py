"""Console users as the console lists them, and their kiosk PINs (set by the CLI, read by kiosks
in sync). Adding users and setting passwords stay in central.web_auth, beside the password
hashing they need."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import select

from ..context import Central
from ..errors import Invalid, NotFound
from ..models import User
from ..roles import RECEPTION

PIN = re.compile(r"[0-9]{4,8}")
# argon2id with the library's defaults: kiosks verify with the parameters the hash carries, a
# few hundred ms on a Raspberry Pi, so a kiosk runs the check off its UI thread.
_pin_hasher = PasswordHasher()


def set_pin_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher for new PIN hashes (tests use cheap parameters)."""
    global _pin_hasher
    _pin_hasher = hasher


def listing(central: Central) -> list[User]:
    """Every console user by name."""
    with central.db.reading() as s:
        return list(s.execute(select(User).order_by(User.username)).scalars())


def set_pin(central: Central, username: str, pin: str) -> None:
    """Set (or replace) the kiosk PIN of a receptionist or admin: 4 to 8 digits, kept hashed."""
    if not PIN.fullmatch(pin):
        raise Invalid("a kiosk PIN is 4 to 8 digits", code="bad_pin")
    with central.db.writing() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if u is None:
            raise NotFound(f"no user named {username!r}")
        if u.role not in RECEPTION:
            raise Invalid(f"only a receptionist or an admin approves visitors at a kiosk, "
                          f"not a {u.role}", code="pin_role")
        u.pin_hash = _pin_hasher.hash(pin)


def pin_hashes(central: Central) -> list[tuple[str, str]]:
    """(user name, PIN hash) of every enabled user who may approve at a kiosk, by name."""
    with central.db.reading() as s:
        return [(name, h) for name, h in s.execute(
            select(User.username, User.pin_hash)
            .where(User.pin_hash.is_not(None), User.disabled.is_(False), User.role.in_(RECEPTION))
            .order_by(User.username))]
