"""Login throttling holds under parallel guessing: simultaneous wrong logins over real HTTP
cannot get more password checks than the limit, and the lock then refuses the right password."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from argon2 import PasswordHasher

from central import web_auth
from central.models import LoginThrottle, utcnow
from tests.fixtures.central import CentralServer

GUESSES = 20


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that counts verifications and holds each one until more than the
    limit are running at once (or a bound passes), so guesses that got past the lock check
    overlap as they would with production's slow hashes instead of finishing one by one."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.checks = 0
        self._running = 0
        self._cond = threading.Condition()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        with self._cond:
            self.checks += 1
            self._running += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._running > web_auth.MAX_FAILURES, timeout=1.0)
        try:
            return super().verify(hash, password)
        finally:
            with self._cond:
                self._running -= 1


@pytest.fixture
def counting(central_server: CentralServer) -> Iterator[CountingHasher]:
    central_server.add_user("rita", "receptionist")
    hasher = CountingHasher()
    web_auth.set_password_hasher(hasher)
    try:
        yield hasher
    finally:
        web_auth.set_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_parallel_wrong_logins_get_at_most_the_limit_of_checks(
    central_server: CentralServer, counting: CountingHasher
) -> None:
    srv = central_server
    start = threading.Barrier(GUESSES)

    def guess(i: int) -> int:
        with requests.Session() as s:
            start.wait(timeout=30)
            r = s.post(
                srv.url("/auth/login"), json={"username": "rita", "password": f"wrong {i:02d}"}, timeout=60
            )
            return r.status_code

    with ThreadPoolExecutor(GUESSES) as pool:
        codes = list(pool.map(guess, range(GUESSES)))

    assert counting.checks <= web_auth.MAX_FAILURES, codes
    assert codes.count(401) == counting.checks and codes.count(429) == GUESSES - counting.checks, codes
    with srv.central.db.reading() as s:
        row = s.get(LoginThrottle, "pair:rita|127.0.0.1")  # this user from this address
        assert row is not None and row.locked_until is not None and row.locked_until > utcnow()
    # The right password is refused while locked, and is not even checked.
    checks = counting.checks
    r = requests.post(
        srv.url("/auth/login"), json={"username": "rita", "password": "correct horse battery"}, timeout=30
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 800, r.text
    assert counting.checks == checks


def test_successful_logins_do_not_lock_their_address(central_server: CentralServer) -> None:
    # Every attempt is counted before its check, so a success must give its count back.
    srv = central_server
    srv.add_user("ada", "admin")
    for _ in range(web_auth.MAX_FAILURES + 2):
        srv.login("ada")
    with srv.central.db.reading() as s:
        row = s.get(LoginThrottle, "addr:127.0.0.1")
        assert row is None or (row.failures == 0 and row.locked_until is None)
