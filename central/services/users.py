"""Console users as the console lists them, their kiosk PINs (set by the CLI, read by kiosks in
sync, each with its role), and disabling, enabling and removing them. Adding users and setting
passwords stay in central.web_auth, beside the password hashing they need."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..context import Central
from ..errors import Conflict, Invalid, NotFound
from ..models import User, WebSession

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


def _user(s: Session, username: str, lock: bool = False) -> User:
    q = select(User).where(User.username == username)
    u = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if u is None:
        raise NotFound(f"no user named {username!r}", code="no_user")
    return u


def set_pin(central: Central, username: str, pin: str) -> None:
    """Set (or replace) a user's kiosk PIN: 4 to 8 digits, kept hashed. Kiosks get it with its
    role: a receptionist's approves visitors, a technician's opens technician mode, an admin's
    does both."""
    if not PIN.fullmatch(pin):
        raise Invalid("a kiosk PIN is 4 to 8 digits", code="bad_pin")
    with central.db.writing() as s:
        _user(s, username).pin_hash = _pin_hasher.hash(pin)


def pin_hashes(central: Central) -> list[tuple[str, str, str]]:
    """(user name, PIN hash, role) of every enabled user with a kiosk PIN, by name."""
    with central.db.reading() as s:
        return [(name, h, role) for name, h, role in s.execute(
            select(User.username, User.pin_hash, User.role)
            .where(User.pin_hash.is_not(None), User.disabled.is_(False))
            .order_by(User.username))]


def _lock_admins(s: Session) -> list[int]:
    """Lock every enabled admin's row, in id order, before the row being changed: two admins
    disabling each other at once then take turns (FOR UPDATE on PostgreSQL; SQLite's BEGIN
    IMMEDIATE serialises writers) instead of both passing the check, or deadlocking."""
    return list(s.execute(
        select(User.id).where(User.role == "admin", User.disabled.is_(False))
        .order_by(User.id).with_for_update()
    ).scalars())


def _keep_an_admin(u: User, admins: list[int], what: str) -> None:
    """Refuse to take away the last enabled admin: nobody could manage users any more."""
    if u.id in admins and len(admins) <= 1:
        raise Conflict(f"cannot {what} {u.username!r}: they are the last enabled admin "
                       "(add or enable another admin first)", code="last_admin")


def disable(central: Central, username: str) -> bool:
    """Disable a user: they cannot log in, their sessions end, and their kiosk PIN leaves the
    PIN feed (kiosks drop it at their next sync). False if they were disabled already."""
    with central.db.writing() as s:
        admins = _lock_admins(s)
        u = _user(s, username, lock=True)
        if u.disabled:
            return False
        _keep_an_admin(u, admins, "disable")
        u.disabled = True
        s.execute(delete(WebSession).where(WebSession.user_id == u.id))
        return True


def enable(central: Central, username: str) -> bool:
    """Let a disabled user log in again (with their old password and PIN). False if they were
    enabled already."""
    with central.db.writing() as s:
        u = _user(s, username, lock=True)
        if not u.disabled:
            return False
        u.disabled = False
        return True


def remove(central: Central, username: str) -> None:
    """Delete a user for good. What they did stays on record without their account (visits
    they decided, invitations and blocklist entries they made keep a NULL author)."""
    with central.db.writing() as s:
        admins = _lock_admins(s)
        u = _user(s, username, lock=True)
        _keep_an_admin(u, admins, "remove")
        s.execute(delete(WebSession).where(WebSession.user_id == u.id))
        s.delete(u)


def enabled_admins(central: Central) -> int:
    with central.db.reading() as s:
        return int(s.execute(select(func.count()).select_from(User)
                             .where(User.role == "admin", User.disabled.is_(False))).scalar_one())
