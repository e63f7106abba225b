"""People's authentication for the console: argon2 passwords, login throttling, server-side
sessions in an HttpOnly SameSite=Strict cookie, per-session CSRF tokens, and role checks as
FastAPI dependencies.

Console pages use it like this::

    @router.get("/visits")
    def page(user: User = Depends(require_role("receptionist"))): ...

    @router.post("/visits/{vid}/approve", dependencies=[Depends(verify_csrf)])
    def approve(vid: int, user: User = Depends(require_role("receptionist"))): ...

A page that is not logged in gets `LoginRequired` (the console turns it into a redirect to its
login page); a wrong role gets 403. Forms carry `csrf_token` (a hidden field) or the
`X-CSRF-Token` header, value `csrf_token(request)`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import roles, tokens
from .context import Central
from .errors import Conflict, Invalid, Locked, Unauthorized
from .models import LoginThrottle, User, WebSession, utcnow

ROLES = roles.ROLES
# What each role may do (admin: everything), read from the one table in central.roles.
# Pages name the capability they need.
CAPABILITIES: dict[str, frozenset[str]] = roles.capabilities()
COOKIE = "lobby_session"
SESSION_TTL = timedelta(hours=12)
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(minutes=15)
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

_hasher = PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) defaults
_dummy: dict[int, str] = {}


def set_password_hasher(hasher: PasswordHasher) -> None:
    """Replace the hasher for new hashes (tests use cheap parameters; old hashes still verify)."""
    global _hasher
    _hasher = hasher


def _dummy_hash() -> str:
    # Verified against when the user does not exist, so a missing user costs the same time.
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash("not a real password")
    return _dummy[key]


class LoginRequired(Exception):
    """The request has no valid session; the console redirects to its login page."""


@dataclass(frozen=True)
class SessionInfo:
    user: User
    csrf_token: str
    expires_at: datetime


def get_central(request: Request) -> Central:
    return request.app.state.central  # type: ignore[no-any-return]


# -- users ----------------------------------------------------------------------------------


def validate_username(name: str) -> str:
    if not _USERNAME.fullmatch(name):
        raise Invalid("user name: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit")
    return name


def validate_password(password: str) -> str:
    if not 8 <= len(password) <= 256:
        raise Invalid("password must be 8 to 256 characters")
    return password


def add_user(central: Central, username: str, password: str, role: str) -> int:
    validate_username(username)
    validate_password(password)
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    try:
        with central.db.writing() as s:
            u = User(username=username, password_hash=_hasher.hash(password), role=role, created_at=utcnow())
            s.add(u)
            s.flush()
            return u.id
    except IntegrityError:
        raise Conflict(f"user {username!r} exists already") from None


def set_password(central: Central, username: str, password: str) -> None:
    validate_password(password)
    with central.db.writing() as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if u is None:
            raise Invalid("no such user")
        u.password_hash = _hasher.hash(password)
        s.execute(delete(WebSession).where(WebSession.user_id == u.id))


# -- throttling -----------------------------------------------------------------------------
#
# Guessing is bounded three ways, each counted over FAILURE_WINDOW and locked for LOCK_TIME:
# - per (user, address), PAIR_LIMIT: one address guessing one user's password;
# - per address, ADDRESS_LIMIT: one address trying many user names;
# - per user, USER_LIMIT across addresses: many addresses guessing one password.
# A locked pair or address refuses further guesses without counting them, so a flood from one
# address adds at most PAIR_LIMIT to the user's count and never locks the user elsewhere. When
# many addresses together reach USER_LIMIT, the user is locked only from addresses they have
# never logged in from ("known:" rows, kept KNOWN_FOR after each success), so the owner at their
# usual desk still gets in while an unknown address is refused.

PAIR_LIMIT = MAX_FAILURES
ADDRESS_LIMIT = 20
USER_LIMIT = 30
KNOWN_FOR = timedelta(days=30)
# Throttle rows with neither a lock nor a count inside the window are deleted this long after.
STALE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class _Keys:
    pair: str
    address: str
    user: str
    known: str

    def counted(self) -> list[str]:
        return sorted((self.pair, self.address, self.user))  # one lock order: no deadlocks


def _throttle_keys(username: str, address: str | None) -> _Keys:
    # Bounded so the key fits its column whatever a client sends (user names are <= 64 chars).
    user = username.lower()[:64]
    addr = (address or "?")[:64]
    return _Keys(pair=f"pair:{user}|{addr}", address=f"addr:{addr}", user=f"user:{user}",
                 known=f"known:{user}|{addr}")


def _insert_throttle(s: Session):  # type: ignore[no-untyped-def]
    dialect = s.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoginThrottle)


def _limit(key: str) -> int:
    return {"pair": PAIR_LIMIT, "addr": ADDRESS_LIMIT, "user": USER_LIMIT}[key.split(":", 1)[0]]


def _locked(row: LoginThrottle, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def _claim_attempt(s: Session, keys: _Keys, now: datetime) -> None:
    """Refuse if a lock applies to this attempt, else count it as a failure up front.

    Why up front: counting only after the (slow) password check let parallel guesses all pass
    the lock check before any failure was recorded. The rows are created if missing and then
    locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway), so
    concurrent attempts on one key take their turns and at most the limit reach the check.
    """
    counted = keys.counted()
    s.execute(
        _insert_throttle(s)
        .values([{"key": k, "failures": 0, "window_started_at": now} for k in counted])
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = {
        row.key: row
        for row in s.execute(
            select(LoginThrottle)
            .where(LoginThrottle.key.in_(counted))
            .order_by(LoginThrottle.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    known = s.get(LoginThrottle, keys.known)
    is_known = known is not None and now - known.window_started_at <= KNOWN_FOR
    blocking = [rows[keys.pair], rows[keys.address]]
    if not is_known:
        blocking.append(rows[keys.user])
    waits = [row.locked_until for row in blocking if _locked(row, now)]
    if waits:
        until = max(w for w in waits if w is not None)
        raise Locked(f"too many failed logins; try again after {until.isoformat(timespec='minutes')}",
                     int((until - now).total_seconds()) + 1, until)
    for key in counted:
        row = rows[key]
        if _locked(row, now):
            continue  # the user's lock, passed by a known address: leave it as it is
        if now - row.window_started_at > FAILURE_WINDOW or row.locked_until is not None:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= _limit(key):
            row.locked_until = now + LOCK_TIME


def _undo_attempt(s: Session, keys: _Keys, now: datetime) -> None:
    """A successful login: this user's count from this address starts over and the address is
    remembered as theirs; the address's and the user's counts only lose this attempt (resetting
    them would let one valid account wipe the count of guesses elsewhere)."""
    s.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.pair))
    for key in (keys.address, keys.user):
        row = s.get(LoginThrottle, key, with_for_update=True)
        if row is not None and row.failures > 0 and not _locked(row, now):
            row.failures -= 1
    s.execute(
        _insert_throttle(s)
        .values(key=keys.known, failures=0, window_started_at=now)
        .on_conflict_do_update(index_elements=["key"], set_={"window_started_at": now})
    )
    # Housekeeping rides on logins: rows with no lock and an old window count for nothing.
    s.execute(delete(LoginThrottle).where(
        ~LoginThrottle.key.startswith("known:"),
        LoginThrottle.window_started_at < now - STALE_AFTER,
        (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now),
    ))
    s.execute(delete(LoginThrottle).where(LoginThrottle.key.startswith("known:"),
                                          LoginThrottle.window_started_at < now - KNOWN_FOR))


def authenticate(central: Central, username: str, password: str, address: str | None) -> User:
    """The user for these credentials; Unauthorized if wrong or disabled, Locked while a
    throttle applies (see above). A locked login fails even with the right password, so
    guessing cannot continue through the lock."""
    now = utcnow()
    keys = _throttle_keys(username, address)
    with central.db.writing() as s:
        _claim_attempt(s, keys, now)
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password[:1024])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled:
        raise Unauthorized("wrong user name or password", code="bad_credentials")
    with central.db.writing() as s:
        _undo_attempt(s, keys, utcnow())
        if _hasher.check_needs_rehash(user.password_hash):
            s.execute(
                User.__table__.update().where(User.id == user.id).values(password_hash=_hasher.hash(password))
            )
    return user


# -- sessions and CSRF ----------------------------------------------------------------------


def create_session(central: Central, user: User) -> tuple[str, str]:
    """A new session for `user`; returns (cookie value, CSRF token)."""
    token, csrf = tokens.new_token(), tokens.new_token()
    now = utcnow()
    with central.db.writing() as s:
        s.add(
            WebSession(
                token_hash=tokens.hash_token(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token, csrf


def set_session_cookie(response: Response, token: str, secure: bool = False) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def login(
    central: Central,
    response: Response,
    username: str,
    password: str,
    address: str | None,
    secure: bool = False,
) -> SessionInfo:
    """authenticate + create_session + cookie on `response`, in one call for a login handler."""
    user = authenticate(central, username, password, address)
    token, csrf = create_session(central, user)
    set_session_cookie(response, token, secure)
    return SessionInfo(user=user, csrf_token=csrf, expires_at=utcnow() + SESSION_TTL)


def logout(central: Central, request: Request, response: Response) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        with central.db.writing() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == tokens.hash_token(token)))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def session_for(central: Central, token: str | None) -> SessionInfo | None:
    if not token or len(token) > 200:
        return None
    now = utcnow()
    with central.db.reading() as s:
        row = s.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == tokens.hash_token(token))
        ).one_or_none()
    if row is None:
        return None
    sess, user = row
    if sess.expires_at <= now or user.disabled:
        return None
    return SessionInfo(user=user, csrf_token=sess.csrf_token, expires_at=sess.expires_at)


def current_session(request: Request) -> SessionInfo:
    """Dependency: the logged-in session, else LoginRequired. Cached on the request."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    info = session_for(get_central(request), request.cookies.get(COOKIE))
    if info is None:
        raise LoginRequired()
    request.state.web_session = info
    return info


def current_user(info: SessionInfo = Depends(current_session)) -> User:  # noqa: B008
    return info.user


def optional_session(request: Request) -> SessionInfo | None:
    try:
        return current_session(request)
    except LoginRequired:
        return None


def has_capability(user: User, capability: str) -> bool:
    return capability in CAPABILITIES.get(user.role, frozenset())


def require_role(*capabilities: str) -> Callable[..., User]:
    """Dependency factory: the user, if their role grants any of `capabilities` (a role name or
    a capability such as "visits"); else 403."""

    def dep(user: User = Depends(current_user)) -> User:  # noqa: B008
        if not any(has_capability(user, c) for c in capabilities):
            raise HTTPException(status_code=403, detail="your role may not do this")
        return user

    return dep


def csrf_token(request: Request) -> str:
    return current_session(request).csrf_token


async def verify_csrf(request: Request, info: SessionInfo = Depends(current_session)) -> None:  # noqa: B008
    """Dependency for every state-changing console route: the session's CSRF token must come
    back in the X-CSRF-Token header or a `csrf_token` form field."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), info.csrf_token.encode()):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token; reload the page")
