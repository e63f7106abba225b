"""The fit: the largest pass and invitation fit QR version <= 7 at ECC M in alphanumeric mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import qrcode
from hypothesis import given, settings
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, MODE_NUMBER, QRData

from lobby_core.passes import (
    EPOCH,
    FacilityTable,
    InvitationClaims,
    PassClaims,
    base44,
    decode_invitation,
    decode_pass,
    encode_invitation,
    encode_pass,
)
from lobby_core.passes.codec import MAX_VALIDITY_MINUTES, U32_MAX
from lobby_core.passes.qr import build_qr

from .support import KEY, MINUTE, RING, pass_claims

ALL_SIXTEEN = FacilityTable([f"f{i}" for i in range(16)])
LAST_END = datetime(9999, 12, 31, 23, 58, tzinfo=UTC)  # latest minute our decoder can represent
LAST_START = LAST_END - MAX_VALIDITY_MINUTES * MINUTE

MAX_PASS = PassClaims(
    pass_id=U32_MAX,
    visit_id=U32_MAX,
    valid_from=LAST_START,
    valid_until=LAST_END,
    facilities=frozenset(ALL_SIXTEEN.names),
    entries_allowed=255,
)
MAX_INVITATION = InvitationClaims(U32_MAX, LAST_START, LAST_END)


def _qr(data: str | QRData, optimize: int = 20) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(data, optimize=optimize)
    code.make(fit=True)
    return code


def _assert_fits(text: str, length: int) -> int:
    assert len(text) == length and " " not in text
    # As build_qr makes it: the whole text as one alphanumeric segment.
    code = _qr(QRData(text, mode=MODE_ALPHA_NUM))
    assert [chunk.mode for chunk in code.data_list] == [MODE_ALPHA_NUM]
    assert code.version <= 7
    # qrcode left to itself: alphanumeric, or numeric for long digit runs (denser), never bytes.
    default = _qr(text)
    assert {chunk.mode for chunk in default.data_list} <= {MODE_ALPHA_NUM, MODE_NUMBER}
    assert default.version <= code.version
    assert build_qr(text).version == code.version
    return code.version


def test_maximal_pass_fits_version_5_m_alphanumeric() -> None:
    text = encode_pass(MAX_PASS, KEY, ALL_SIXTEEN)
    assert decode_pass(text, RING, ALL_SIXTEEN) == PassClaims(**{**MAX_PASS.__dict__, "key_id": KEY.key_id})
    assert _assert_fits(text, 122) == 5


def test_maximal_invitation_fits_version_5_m_alphanumeric() -> None:
    text = encode_invitation(MAX_INVITATION, KEY)
    assert decode_invitation(text, RING).invitation_id == U32_MAX
    assert _assert_fits(text, 112) == 5


@pytest.mark.parametrize("n_bytes", [76, 83])
def test_every_byte_pattern_of_that_size_fits(n_bytes: int) -> None:
    # Length depends on the byte count only: the largest value, and the smallest with a kind
    # byte. (All zero bytes would hit qrcode 8.2's glog(0) bug, python-qrcode#330, fixed
    # upstream; no code of ours has them: its first byte is a kind >= 1 and 64 are signature.)
    for data in (b"\xff" * n_bytes, b"\x01" + b"\x00" * (n_bytes - 1)):
        assert _assert_fits(base44.encode(data), base44.encoded_length(n_bytes)) == 5


@settings(max_examples=30)
@given(pass_claims())
def test_every_pass_is_122_symbols(claims: PassClaims) -> None:
    assert len(encode_pass(claims, KEY)) == 122


def test_minimal_pass_is_the_same_size() -> None:
    claims = PassClaims(0, 0, EPOCH, EPOCH + MINUTE, frozenset(), 1)
    assert _assert_fits(encode_pass(claims, KEY), 122) == 5


def test_build_qr_helper() -> None:
    code = build_qr(encode_pass(MAX_PASS, KEY, ALL_SIXTEEN))
    assert code.version == 5 and code.error_correction == ERROR_CORRECT_M
    assert len(code.get_matrix()) == 37 + 2 * 4  # version 5 is 37 modules, plus the quiet zone
    with pytest.raises(ValueError, match="alphanumeric"):
        build_qr("https://example.invalid/pass")
    with pytest.raises(ValueError, match="version"):
        build_qr("A" * 179)
