"""Login throttle keys fit their column whatever a client sends, and keep users and addresses
apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from central import web_auth
from central.models import LoginThrottle

KEY_LEN = LoginThrottle.__table__.c.key.type.length


@given(st.text(max_size=2000), st.one_of(st.none(), st.text(max_size=2000)))
def test_keys_fit_the_column(username: str, address: str | None) -> None:
    keys = web_auth._throttle_keys(username, address)
    for key in (keys.pair, keys.address, keys.user, keys.known):
        assert len(key) <= KEY_LEN
    assert keys.counted() == sorted([keys.pair, keys.address, keys.user])


def test_keys_ignore_case_of_the_user_and_separate_addresses() -> None:
    a = web_auth._throttle_keys("Rita", "10.0.0.1")
    b = web_auth._throttle_keys("rita", "10.0.0.2")
    assert a.user == b.user and a.pair != b.pair and a.address != b.address
    assert web_auth._throttle_keys("rita", None).address == "addr:?"
