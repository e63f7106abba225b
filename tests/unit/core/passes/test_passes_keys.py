"""Keys: ids, PEM/raw forms, the central key ring (rotation, pruning, storage), kiosk trust."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from lobby_core.passes import (
    BadTrustData,
    InvalidClaims,
    KeyRing,
    TrustedKeys,
    UnknownKey,
    decode_pass,
    encode_pass,
    key_id_for,
)
from lobby_core.passes.keys import (
    DEFAULT_HORIZON,
    SigningKey,
    private_key_from_pem,
    private_key_from_raw,
    private_key_to_pem,
    private_key_to_raw,
    public_key_from_pem,
    public_key_from_raw,
    public_key_to_pem,
    public_key_to_raw,
)

from .support import KEY, T0, FixedClock, a_pass, signing_key

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _raw(key: Any) -> bytes:
    return public_key_to_raw(key)


# --- serialisation -------------------------------------------------------------------------


def test_raw_and_pem_round_trips() -> None:
    raw = private_key_to_raw(KEY.private_key)
    assert private_key_to_raw(private_key_from_raw(raw)) == raw
    assert _raw(public_key_from_raw(_raw(KEY.public_key))) == _raw(KEY.public_key)
    assert _raw(public_key_from_pem(public_key_to_pem(KEY.public_key))) == _raw(KEY.public_key)
    pem = private_key_to_pem(KEY.private_key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert private_key_to_raw(private_key_from_pem(pem)) == raw


def test_encrypted_pem_needs_the_right_passphrase() -> None:
    pem = private_key_to_pem(KEY.private_key, b"correct horse")
    assert b"ENCRYPTED" in pem
    restored = private_key_from_pem(pem, b"correct horse")
    assert private_key_to_raw(restored) == private_key_to_raw(KEY.private_key)
    for passphrase in (b"wrong", None):
        with pytest.raises(BadTrustData):
            private_key_from_pem(pem, passphrase)
    with pytest.raises(BadTrustData):  # a passphrase for an unencrypted key
        private_key_from_pem(private_key_to_pem(KEY.private_key), b"x")


def test_other_key_types_are_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    with pytest.raises(BadTrustData, match="not an Ed25519"):
        private_key_from_pem(pem)
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(BadTrustData, match="not an Ed25519"):
        public_key_from_pem(public_pem)


@given(st.binary(max_size=100))
def test_garbage_key_bytes_are_bad_trust_data(data: bytes) -> None:
    for reader in (private_key_from_pem, public_key_from_pem):
        with pytest.raises(BadTrustData):
            reader(data)
    if len(data) != 32:
        for reader in (private_key_from_raw, public_key_from_raw):
            with pytest.raises(BadTrustData):
                reader(data)


def test_key_id_is_a_byte_of_the_public_key_hash() -> None:
    ids = {key_id_for(signing_key(seed).public_key) for seed in range(300)}
    assert ids <= set(range(256)) and len(ids) > 150  # spread, not constant
    assert KEY.key_id == key_id_for(KEY.public_key)


# --- the key ring --------------------------------------------------------------------------


def test_generated_ring_has_one_active_key_published() -> None:
    ring = KeyRing.generate(clock=FixedClock())
    published = ring.published()
    assert [p["key_id"] for p in published] == [ring.key_id] == ring.key_ids()
    assert published[0]["retire_after"] is None and published[0]["alg"] == "Ed25519"


def test_rotation_keeps_old_passes_valid_until_retired_then_prunes() -> None:
    clock = FixedClock()
    ring = KeyRing.generate(clock=clock)
    old_id = ring.key_id
    old_text = encode_pass(a_pass(), ring)

    new = ring.rotate()
    assert ring.key_id == new.key_id != old_id
    assert decode_pass(old_text, ring).key_id == old_id
    assert decode_pass(encode_pass(a_pass(), ring), ring).key_id == new.key_id
    retire = {p["key_id"]: p["retire_after"] for p in ring.published()}
    assert retire == {old_id: (T0 + DEFAULT_HORIZON).isoformat().replace("+00:00", "Z"), new.key_id: None}

    clock.now = T0 + DEFAULT_HORIZON - timedelta(seconds=1)
    assert ring.prune() == []
    clock.now = T0 + DEFAULT_HORIZON
    assert ring.prune() == [old_id]
    assert ring.key_ids() == [new.key_id]
    with pytest.raises(UnknownKey):
        decode_pass(old_text, ring)


def _retire_after(ring: KeyRing) -> dict[int, str | None]:
    return {p["key_id"]: p["retire_after"] for p in ring.published()}


def test_rotation_with_a_known_last_expiry() -> None:
    clock = FixedClock()
    ring = KeyRing.generate(clock=clock)
    first = ring.key_id
    ring.rotate(last_expiry=T0 + timedelta(hours=4))
    assert _retire_after(ring)[first] == "2025-03-01T13:00:00Z"
    second = ring.key_id
    ring.rotate(last_expiry=T0 - timedelta(days=1))  # already over: retire now, not in the past
    assert _retire_after(ring)[second] == "2025-03-01T09:00:00Z"
    assert ring.prune() == [second]  # the first retires at 13:00
    clock.now = T0 + timedelta(hours=4)
    assert ring.prune() == [first]
    assert _retire_after(ring) == {ring.key_id: None}


def test_rotation_never_reuses_a_live_key_id(mocker: Any) -> None:
    ring = KeyRing([(KEY, None)], clock=FixedClock())
    same_id = next(k for k in map(signing_key, range(2, 10_000)) if k.key_id == KEY.key_id)
    fresh = next(k for k in map(signing_key, range(2, 10_000)) if k.key_id != KEY.key_id)
    # Only the random draw is faked: a collision is a 1-in-256 event a real run rarely shows.
    draw = mocker.patch.object(SigningKey, "generate", side_effect=[same_id, fresh])
    assert ring.rotate().key_id == fresh.key_id
    assert draw.call_count == 2


def test_ring_refuses_to_sign_beyond_its_horizon() -> None:
    ring = KeyRing.generate(horizon=timedelta(days=10), clock=FixedClock())
    encode_pass(a_pass(valid_from=T0 + timedelta(days=9), valid_until=T0 + timedelta(days=10)), ring)
    with pytest.raises(InvalidClaims, match="horizon"):
        encode_pass(a_pass(valid_from=T0 + timedelta(days=9),
                           valid_until=T0 + timedelta(days=10, minutes=1)), ring)


def test_ring_storage_round_trip_with_and_without_passphrase() -> None:
    clock = FixedClock()
    ring = KeyRing.generate(horizon=timedelta(days=20), clock=clock)
    old_text = encode_pass(a_pass(), ring)
    ring.rotate()
    for passphrase in (None, b"s3cret"):
        stored = json.loads(json.dumps(ring.to_dict(passphrase)))
        again = KeyRing.from_dict(stored, passphrase, clock=clock)
        assert again.key_id == ring.key_id and again.horizon == timedelta(days=20)
        assert again.published() == ring.published()
        assert decode_pass(old_text, again).pass_id == 7
        assert decode_pass(encode_pass(a_pass(), again), ring).key_id == ring.key_id
    with pytest.raises(BadTrustData):
        KeyRing.from_dict(ring.to_dict(b"s3cret"), b"wrong")


def _stored() -> dict[str, Any]:
    ring = KeyRing.generate(clock=FixedClock())
    ring.rotate()
    return ring.to_dict()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d.update(format="lobby-keyring/0"),
        lambda d: d.update(horizon_s=0),
        lambda d: d.update(horizon_s="90d"),
        lambda d: d.update(keys={}),
        lambda d: d["keys"][0].update(key_id=(d["keys"][0]["key_id"] + 1) % 256),
        lambda d: d["keys"][0].update(private_key="-----BEGIN PRIVATE KEY-----\nAAAA\n"),
        lambda d: d["keys"][0].update(created_at=None),
        lambda d: d["keys"][0].update(created_at="yesterday"),
        lambda d: d["keys"][0].update(retire_after="2025-03-01T09:00:00"),  # no offset
        lambda d: d["keys"][0].update(retire_after=None),  # two active keys
        lambda d: d["keys"][1].update(retire_after="2025-03-01T09:00:00Z"),  # none active
        lambda d: d["keys"].append(d["keys"][0]),  # duplicate id
    ],
)
def test_spoiled_ring_storage_is_refused(spoil: Any) -> None:
    stored = _stored()
    spoil(stored)
    with pytest.raises(BadTrustData):
        KeyRing.from_dict(stored)


@given(json_values)
def test_any_json_is_not_a_ring(value: Any) -> None:
    with pytest.raises(BadTrustData):
        KeyRing.from_dict(value)


# --- the kiosk's trusted keys --------------------------------------------------------------


def test_trusted_keys_from_published_list_verify_passes() -> None:
    ring = KeyRing.generate(clock=FixedClock())
    old_text = encode_pass(a_pass(), ring)
    ring.rotate()
    new_text = encode_pass(a_pass(pass_id=8), ring)
    trusted = TrustedKeys.from_published(json.loads(json.dumps(ring.published())))
    assert len(trusted) == 2
    assert decode_pass(old_text, trusted).pass_id == 7
    assert decode_pass(new_text, trusted).pass_id == 8
    assert trusted.published() == ring.published()
    with pytest.raises(UnknownKey):
        decode_pass(encode_pass(a_pass(), KEY), TrustedKeys([]))


def _published() -> dict[str, Any]:
    return KeyRing([(KEY, None)], clock=FixedClock()).published()[0]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d.update(alg="RSA"),
        lambda d: d.pop("alg"),
        lambda d: d.update(key_id=(d["key_id"] + 1) % 256),
        lambda d: d.update(key_id=256),
        lambda d: d.update(key_id=True),
        lambda d: d.update(key_id=str(d["key_id"])),
        lambda d: d.update(public_key=d["public_key"][:-4]),
        lambda d: d.update(public_key="not base64!"),
        lambda d: d.update(public_key=None),
        lambda d: d.update(retire_after=12),
        lambda d: d.update(retire_after="soon"),
    ],
)
def test_spoiled_published_key_is_refused(spoil: Any) -> None:
    item = _published()
    spoil(item)
    with pytest.raises(BadTrustData):
        TrustedKeys.from_published([item])


def test_duplicate_published_key_is_refused() -> None:
    with pytest.raises(BadTrustData, match="twice"):
        TrustedKeys.from_published([_published(), _published()])


@given(json_values)
def test_any_json_is_not_a_published_list(value: Any) -> None:
    try:
        trusted = TrustedKeys.from_published(value)
    except BadTrustData:
        return
    assert len(trusted) == 0 and value == []

