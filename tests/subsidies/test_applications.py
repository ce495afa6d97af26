"""Subsidy applications on both databases: calculation outcomes, rounds, receipts, the review
flow with its history, and who may see what."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.subsidies import review, service
from kaigo_kiban.subsidies.formats import ReceiptRejected
from kaigo_kiban.subsidies.models import SubsidyApplicationEvent, SubsidyReceipt
from kaigo_kiban.subsidies.rules import ActionForbidden, RoundClosed, TransitionRefused
from tests.factories import PortalWorld
from tests.subsidies.conftest import (
    BETWEEN_ROUNDS,
    IN_ROUND,
    JPEG,
    PDF,
    PNG,
    item,
    with_receipt,
)


def codes(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in service.stored_result(app).reasons]


def history(db: Session, app) -> list[tuple[str, str | None, str]]:  # type: ignore[no-untyped-def]
    return [(e.action, e.from_status, e.to_status) for e in service.application_history(db, app)]


def test_new_application_is_a_draft_with_its_calculation_and_a_history_row(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(
        db, world.visit, [item("card_reader", 19_800), item("connection_support", 22_000)]
    )
    assert app.status == "DRAFT" and app.applicant_kind == "office" and app.service_types == "11"
    assert (app.eligible_cost_yen, app.cap_yen, app.grant_yen) == (41_800, 64_000, 41_800)
    assert codes(app) == []
    [event] = service.application_history(db, app)
    assert (event.action, event.to_status, event.actor_name) == ("created", "DRAFT", "試験 職員")
    assert event.organization_code == "1310000037" and event.grant_yen == 41_800


def test_over_cap_application_grants_the_cap_and_shows_the_excess(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(
        db,
        world.visit,
        [
            item("card_reader", 59_400, quantity=3),
            item("connection_support", 22_000),
            item("careplan_setup_support", 11_000),
        ],
    )
    assert (app.eligible_cost_yen, app.grant_yen) == (92_400, 64_000)
    [reason] = service.stored_result(app).reasons
    assert reason.code == "PT-CAP-APPLIED"
    assert "28,400円" in reason.message  # the excess, in the message the page shows


def test_more_readers_than_allowed_counts_only_the_allowed_units(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.residential, [item("card_reader", 60_000, 3)])
    assert (app.eligible_cost_yen, app.grant_yen) == (40_000, 40_000)
    assert codes(app) == ["PT-READER-LIMIT"]
    assert "2台まで" in service.stored_result(app).reasons[0].message


def test_setup_support_without_connection_support_is_excluded(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(
        db, world.visit, [item("card_reader", 20_000), item("careplan_setup_support", 11_000)]
    )
    assert (app.eligible_cost_yen, app.grant_yen) == (20_000, 20_000)
    assert codes(app) == ["PT-SETUP-WITHOUT-CONNECTION"]


def test_clinic_application_uses_the_beds_registered_for_the_organisation(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.clinic, [item("opinion_sending", 600_000)])
    assert app.applicant_kind == "medical" and app.beds == 0
    assert (app.grant_yen, app.cap_yen) == (398_000, 398_000)
    assert codes(app) == ["PT-RATE-APPLIED", "PT-CAP-APPLIED"]


def test_invalid_line_is_refused_before_anything_is_written(
    db: Session, world: PortalWorld
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.create_application(db, world.visit, [item("card_reader", -1)])
    assert caught.value.code == "PT-INVALID-AMOUNT"
    assert service.list_applications(db, world.visit) == []


def test_municipality_and_operator_cannot_apply(db: Session, world: PortalWorld) -> None:
    for actor in (world.city, world.operator):
        with pytest.raises(service.NotAnApplicant) as caught:
            service.create_application(db, actor, [item("card_reader", 1000)])
        assert caught.value.code == "PTL-NOT-APPLICANT" and caught.value.http_status == 403


def test_submission_outside_a_round_is_refused_and_changes_nothing(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 19_800)])
    with_receipt(db, world.visit, app.id)
    with pytest.raises(RoundClosed) as caught:
        service.submit_application(db, world.visit, app.id, today=BETWEEN_ROUNDS)
    assert "受付期間外" in caught.value.message and "令和8年度" in caught.value.message
    assert app.status == "DRAFT" and app.submitted_at is None
    assert [a for a, _, _ in history(db, app)] == ["created", "receipt_added"]


def test_submission_needs_a_receipt_and_an_eligible_cost(db: Session, world: PortalWorld) -> None:
    app = service.create_application(db, world.visit, [item("careplan_setup_support", 11_000)])
    with pytest.raises(service.SubmissionIncomplete) as caught:
        service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    assert caught.value.code == "PTL-INCOMPLETE"
    assert len(caught.value.details) == 2  # no receipt, and nothing eligible
    assert app.status == "DRAFT"


def test_review_flow_from_draft_to_paid_is_kept_as_history(db: Session, world: PortalWorld) -> None:
    app = service.create_application(
        db, world.visit, [item("card_reader", 80_000, 4), item("connection_support", 22_000)]
    )
    with_receipt(db, world.visit, app.id)
    service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    assert (app.status, app.round_name) == ("SUBMITTED", "令和8年度")

    review.start_review(db, world.operator, app.id)
    with pytest.raises(service.CommentRequired):
        review.return_application(db, world.operator, app.id, "  ")
    review.return_application(db, world.operator, app.id, "領収書の宛名を確認してください")
    assert app.status == "RETURNED"

    service.update_application(db, world.visit, app.id, [item("card_reader", 60_000, 3)])
    with_receipt(db, world.visit, app.id, PNG)
    service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    review.start_review(db, world.operator, app.id)
    review.decide_application(db, world.operator, app.id)
    assert (app.status, app.decided_grant_yen) == ("DECIDED", 60_000)
    assert app.decision_no and app.decision_no.endswith(f"{app.id:06d}")
    review.record_payment(db, world.operator, app.id, today_jst() + dt.timedelta(1))
    assert app.status == "PAID"

    assert history(db, app) == [
        ("created", None, "DRAFT"),
        ("receipt_added", "DRAFT", "DRAFT"),
        ("submit", "DRAFT", "SUBMITTED"),
        ("start_review", "SUBMITTED", "IN_REVIEW"),
        ("return", "IN_REVIEW", "RETURNED"),
        ("edited", "RETURNED", "RETURNED"),
        ("receipt_added", "RETURNED", "RETURNED"),
        ("submit", "RETURNED", "SUBMITTED"),
        ("start_review", "SUBMITTED", "IN_REVIEW"),
        ("decide", "IN_REVIEW", "DECIDED"),
        ("pay", "DECIDED", "PAID"),
    ]
    events = service.application_history(db, app)
    assert events[4].comment == "領収書の宛名を確認してください"
    assert events[4].organization_kind == "operator"


def test_decision_above_the_calculation_is_refused_and_below_it_needs_a_reason(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    with_receipt(db, world.visit, app.id)
    service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    review.start_review(db, world.operator, app.id)
    with pytest.raises(service.DecisionInvalid):
        review.decide_application(db, world.operator, app.id, grant_yen=30_001)
    with pytest.raises(service.CommentRequired):
        review.decide_application(db, world.operator, app.id, grant_yen=20_000)
    review.decide_application(
        db, world.operator, app.id, grant_yen=20_000, comment="1台分の領収書が不鮮明"
    )
    assert app.decided_grant_yen == 20_000 and app.grant_yen == 30_000


def test_applicant_cannot_review_and_operator_cannot_edit_or_submit(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    with_receipt(db, world.visit, app.id)
    with pytest.raises(ActionForbidden):
        service.submit_application(db, world.operator, app.id, today=IN_ROUND)
    with pytest.raises(service.NotAnApplicant):
        service.update_application(db, world.operator, app.id, [])
    service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    with pytest.raises(ActionForbidden):
        review.start_review(db, world.visit, app.id)
    with pytest.raises(TransitionRefused):
        review.decide_application(db, world.operator, app.id)  # not in review yet


def test_submitted_application_cannot_be_edited_nor_its_receipts_changed(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    with_receipt(db, world.visit, app.id)
    service.submit_application(db, world.visit, app.id, today=IN_ROUND)
    [receipt] = service.application_receipts(db, app)
    for attempt in (
        lambda: service.update_application(db, world.visit, app.id, []),
        lambda: with_receipt(db, world.visit, app.id),
        lambda: service.remove_receipt(db, world.visit, app.id, receipt.id),
    ):
        with pytest.raises(service.NotEditable) as caught:
            attempt()
        assert caught.value.code == "PTL-NOT-EDITABLE" and "申請済" in caught.value.message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"Hello, this is not a PDF", "PTL-RECEIPT-TYPE"),
        (b"\x89PNG\r\n", "PTL-RECEIPT-TYPE"),
        (b"", "PTL-RECEIPT-EMPTY"),
        (PDF + b"\0" * 2048, "PTL-RECEIPT-TOO-LARGE"),
    ],
)
def test_malformed_empty_or_oversized_receipt_is_rejected_and_not_stored(
    db: Session, world: PortalWorld, content: bytes, code: str
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    stream = io.BytesIO(content)
    with pytest.raises(ReceiptRejected) as caught:
        service.add_receipt(db, world.visit, app.id, "r.pdf", stream, max_bytes=1024)
    assert caught.value.code == code
    assert stream.tell() <= 1025  # an oversized upload is never read whole
    assert db.scalars(select(SubsidyReceipt)).all() == []


def test_receipt_is_stored_with_its_detected_type_and_removal_is_recorded(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    receipt = service.add_receipt(
        db, world.visit, app.id, "C:\\scan\\領収書.jpg", io.BytesIO(JPEG), max_bytes=1024
    )
    assert (receipt.file_name, receipt.media_type, receipt.size_bytes) == (
        "領収書.jpg",
        "image/jpeg",
        len(JPEG),
    )
    service.remove_receipt(db, world.visit, app.id, receipt.id)
    assert service.application_receipts(db, app) == []
    assert service.get_receipt(db, world.operator, app.id, receipt.id).content == JPEG
    assert [a for a, _, _ in history(db, app)][-2:] == ["receipt_added", "receipt_removed"]


def test_another_office_can_neither_see_nor_change_an_application(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    with_receipt(db, world.visit, app.id)
    [receipt] = service.application_receipts(db, app)
    attempts = [
        lambda: service.get_application(db, world.other, app.id),
        lambda: service.update_application(db, world.other, app.id, []),
        lambda: with_receipt(db, world.other, app.id),
        lambda: service.get_receipt(db, world.other, app.id, receipt.id),
        lambda: service.submit_application(db, world.other, app.id, today=IN_ROUND),
        lambda: service.add_comment(db, world.other, app.id, "見えますか"),
        lambda: service.get_application(db, world.city, app.id),
    ]
    for attempt in attempts:
        with pytest.raises(service.ApplicationNotFound) as caught:
            attempt()
        assert caught.value.code == "PTL-APPLICATION-NOT-FOUND" and caught.value.http_status == 404
    assert service.list_applications(db, world.other) == []
    assert [a.id for a, _ in service.list_applications(db, world.visit)] == [app.id]
    assert app.id in [a.id for a, _ in service.list_applications(db, world.operator)]
    assert service.get_application(db, world.operator, app.id) is app


def test_history_rows_cannot_be_changed_or_deleted_in_the_database(
    db: Session, world: PortalWorld
) -> None:
    app = service.create_application(db, world.visit, [item("card_reader", 30_000)])
    [event] = service.application_history(db, app)
    for statement in (
        "UPDATE portal_application_event SET comment = 'x'",
        "DELETE FROM portal_application_event",
    ):
        with pytest.raises(DBAPIError), db.begin_nested():
            db.execute(text(statement))
    db.expire_all()
    assert db.get(SubsidyApplicationEvent, event.id) is not None
    assert db.scalar(select(SubsidyApplicationEvent.comment)) == ""
