"""Pure subsidy rules: the application state machine, rounds, and receipts by magic bytes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.subsidies.formats import ReceiptRejected, check_receipt
from kaigo_kiban.subsidies.rules import (
    DEFAULT_ROUNDS,
    EDITABLE_STATUSES,
    ActionForbidden,
    ApplicationAction,
    ApplicationStatus,
    Party,
    RoundClosed,
    TransitionRefused,
    available_actions,
    next_status,
    require_open_round,
)

S, A, P = ApplicationStatus, ApplicationAction, Party

# The whole intended state machine, written out independently of rules.TRANSITIONS.
ALLOWED = {
    (S.DRAFT, A.SUBMIT, P.APPLICANT): S.SUBMITTED,
    (S.RETURNED, A.SUBMIT, P.APPLICANT): S.SUBMITTED,
    (S.SUBMITTED, A.START_REVIEW, P.OPERATOR): S.IN_REVIEW,
    (S.IN_REVIEW, A.RETURN, P.OPERATOR): S.RETURNED,
    (S.IN_REVIEW, A.DECIDE, P.OPERATOR): S.DECIDED,
    (S.DECIDED, A.PAY, P.OPERATOR): S.PAID,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("party", list(P))
def test_every_status_action_party_combination_follows_the_table(
    status: ApplicationStatus, action: ApplicationAction, party: Party
) -> None:
    expected = ALLOWED.get((status, action, party))
    if expected is not None:
        assert next_status(status, action, party) is expected
        return
    wrong_party = any(k[:2] == (status, action) for k in ALLOWED)
    with pytest.raises(ActionForbidden if wrong_party else TransitionRefused) as caught:
        next_status(status, action, party)
    assert caught.value.code.startswith("PTL-")


def test_applicant_cannot_decide_even_while_in_review() -> None:
    with pytest.raises(ActionForbidden) as caught:
        next_status(S.IN_REVIEW, A.DECIDE, P.APPLICANT)
    assert caught.value.code == "PTL-ACTION-FORBIDDEN"
    assert caught.value.http_status == 403
    assert "運用担当者" in caught.value.message


def test_paid_is_final_and_offers_no_action() -> None:
    assert available_actions(S.PAID, P.OPERATOR) == ()
    assert available_actions(S.PAID, P.APPLICANT) == ()
    with pytest.raises(TransitionRefused) as caught:
        next_status(S.PAID, A.PAY, P.OPERATOR)
    assert caught.value.http_status == 409
    assert "支払済" in caught.value.message


def test_buttons_offered_match_the_transitions() -> None:
    assert [t.action for t in available_actions(S.IN_REVIEW, P.OPERATOR)] == [A.RETURN, A.DECIDE]
    assert [t.action for t in available_actions(S.RETURNED, P.APPLICANT)] == [A.SUBMIT]
    assert available_actions(S.SUBMITTED, P.APPLICANT) == ()


@given(st.lists(st.tuples(st.sampled_from(list(A)), st.sampled_from(list(P))), max_size=30))
def test_any_sequence_of_steps_keeps_the_machine_consistent(steps) -> None:  # type: ignore[no-untyped-def]
    """Whatever is tried, a refused step changes nothing, only the applicant edits, and PAID
    is reached only through DECIDED."""
    status = S.DRAFT
    seen = [status]
    for action, party in steps:
        try:
            new = next_status(status, action, party)
        except (TransitionRefused, ActionForbidden):
            continue
        assert (status, action, party) in ALLOWED
        status = new
        seen.append(status)
    if S.PAID in seen:
        assert seen.index(S.DECIDED) < seen.index(S.PAID)
    assert {S.DRAFT, S.RETURNED} == EDITABLE_STATUSES


def test_submission_between_rounds_names_the_next_round() -> None:
    with pytest.raises(RoundClosed) as caught:
        require_open_round(dt.date(2026, 4, 1), DEFAULT_ROUNDS)
    assert caught.value.code == "PTL-ROUND-CLOSED"
    assert "令和8年度" in caught.value.message and "2026-05-07" in caught.value.message
    assert require_open_round(dt.date(2026, 3, 13)).name == "令和7年度"  # last day counts
    with pytest.raises(RoundClosed) as late:
        require_open_round(dt.date(2027, 3, 13))
    assert "予定されている受付期間はありません" in late.value.message


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\0", "image/png"),
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
    ],
)
def test_receipt_type_comes_from_its_magic_bytes(head: bytes, media_type: str) -> None:
    assert check_receipt(head, 100, 1000) == media_type


@pytest.mark.parametrize(
    ("head", "size", "code"),
    [
        (b"", 0, "PTL-RECEIPT-EMPTY"),
        (b"%PDF-1.7", 1001, "PTL-RECEIPT-TOO-LARGE"),
        (b"<html><script>", 20, "PTL-RECEIPT-TYPE"),
        (b"\x89PNG\r\n", 20, "PTL-RECEIPT-TYPE"),  # truncated PNG signature
        (b"GIF89a", 20, "PTL-RECEIPT-TYPE"),
        (b"PK\x03\x04", 20, "PTL-RECEIPT-TYPE"),  # a .docx renamed to .pdf
    ],
)
def test_receipt_that_is_empty_oversized_or_of_another_type_is_rejected(
    head: bytes, size: int, code: str
) -> None:
    with pytest.raises(ReceiptRejected) as caught:
        check_receipt(head, size, 1000)
    assert caught.value.code == code and caught.value.http_status == 422
