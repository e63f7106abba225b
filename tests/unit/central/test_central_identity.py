"""ID number validation (the shared lobby_core.id_documents rule central uses) and masking,
enrollment codes, request schemas: pure logic."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from central import tokens
from central.schemas import EventBatch, Heartbeat, VisitCreate
from lobby_core import id_documents
from lobby_core.masking import mask_id_number, mask_name

RIC = "11010519491231002X"


def test_cn_ric_is_normalised_and_checked() -> None:
    assert id_documents.normalise("cn_ric", "110105 19491231 002x") == RIC
    with pytest.raises(id_documents.IdDocumentError, match="check character") as bad_check:
        id_documents.normalise("cn_ric", RIC[:-1] + "1")
    assert bad_check.value.key == id_documents.BAD_CHECK
    with pytest.raises(id_documents.IdDocumentError):
        id_documents.normalise("cn_ric", "11010519491331002X")  # month 13
    with pytest.raises(id_documents.IdDocumentError, match="Unknown ID document type"):
        id_documents.normalise("driving_licence", "ABC12345")


# What people type as a number: digits, letters, spaces and dashes. A word of the message
# itself ("num" in "number") is not an echo of the input, so letters-only input is not asked.
@given(st.text(alphabet="0123456789XxEeGg -", max_size=40).filter(lambda s: any(c.isdigit() for c in s)))
def test_errors_never_contain_the_number(raw: str) -> None:
    for id_type in ("cn_ric", "passport"):
        try:
            out = id_documents.normalise(id_type, raw, country="USA")
        except id_documents.IdDocumentError as exc:
            assert len(raw.strip()) < 3 or raw.strip() not in str(exc)
        else:
            assert 5 <= len(out) <= 20 or id_type == "cn_ric"


@given(st.from_regex(r"[A-Z0-9]{5,20}", fullmatch=True))
def test_mask_keeps_length_and_hides_the_middle(number: str) -> None:
    m = mask_id_number(number)
    assert len(m) == len(number) and "*" in m
    hidden = sum(1 for c in m if c == "*")
    assert hidden > len(number) / 2  # more than half of any number stays hidden
    assert mask_id_number(RIC) == "110***********002X"


def test_mask_name_is_idempotent() -> None:
    # Retention masks names with lobby_core.masking's rule (张*丰 since central's own
    # first-character rule was retired; see tests/unit/core/test_masking.py).
    assert mask_name("张三丰") == "张*丰" == mask_name("张*丰")
    assert mask_name("张**") == "张**"  # names masked by the retired rule stay as they are
    assert mask_name("") == ""
    assert mask_name("张") == "*"  # a one-character name would otherwise show whole


def test_enrollment_codes_normalise_and_hash_stably() -> None:
    code = tokens.new_enrollment_code()
    assert len(code) == 19 and code.count("-") == 3
    assert tokens.hash_enrollment_code(code.lower().replace("-", " ")) == tokens.hash_enrollment_code(code)
    assert tokens.hash_token("a") != tokens.hash_token("b")


def _visit(**over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "client_id": str(uuid.uuid4()),
        "id_type": "cn_ric",
        "id_number": RIC,
        "name": "张三",
        "mobile": "+86 138-0013-8000",
        "host": "1-101",
        "purpose": "p",
    }
    body.update(over)
    return body


@given(
    st.sampled_from(["\x00", "\n", "\x1b", "\u2028", "\x7f"]), st.sampled_from(["name", "host", "purpose"])
)
def test_control_characters_are_refused_everywhere(ch: str, field: str) -> None:
    with pytest.raises(ValidationError):
        VisitCreate.model_validate(_visit(**{field: f"a{ch}b"}))


def test_schema_bounds() -> None:
    assert VisitCreate.model_validate(_visit()).client_id
    for bad in (
        {"party_size": 0},
        {"name": "x" * 101},
        {"mobile": "12"},
        {"extra": 1},
        {"client_id": "nope"},
        {"invitation_id": 2**31},
    ):
        with pytest.raises(ValidationError):
            VisitCreate.model_validate(_visit(**bad))
    with pytest.raises(ValidationError):
        EventBatch.model_validate({"events": []})
    with pytest.raises(ValidationError):
        Heartbeat.model_validate({"sent_at": "2026-01-01T00:00:00"})  # naive clock
    hb = Heartbeat.model_validate({"sent_at": "2026-01-01T00:00:00+08:00", "versions": {"kiosk": "1.0"}})
    assert hb.outbox_depth == 0
