"""The care-plan mailbox: send, list, download the same bytes, import; resend and delete."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan import mailbox
from kaigo_kiban.careplan.models import CareplanTransfer, CareplanTransferPerson
from kaigo_kiban.core.errors import FileRejected
from tests.careplan.exchange_world import (
    CM,
    HELPER,
    MONTH,
    P1,
    P2,
    World,
    build_file,
    plan1_row,
    plan2_row,
    usage_rows,
)
from tests.factories import INSURER_NO


def _send(w: World, name: str, data: bytes, actor=None) -> mailbox.SendResult:  # type: ignore[no-untyped-def]
    return mailbox.send_file(w.db, w.settings, actor or w.cm_actor, data, name)


def _count(w: World) -> int:
    return w.db.scalar(select(func.count()).select_from(CareplanTransfer)) or 0


def test_sent_file_is_received_downloaded_byte_for_byte_and_marked_imported(world: World):
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(P2))
    result = _send(world, name, data)
    sent = result.view.transfer
    assert (sent.status, sent.state, sent.file_name) == (ex.SENT, ex.ACTIVE, name)
    assert {p.insured_no for p in result.view.persons} == {P1, P2}

    [listed] = mailbox.list_mailbox(world.db, world.settings, world.helper_actor, "received")
    assert listed.accessible and listed.is_new
    assert listed.transfer.status == ex.RECEIVED and listed.transfer.received_at is not None

    file_name, content = mailbox.read_content(world.db, world.settings, world.helper_actor, sent.id)
    assert (file_name, content) == (name, data)

    done = mailbox.mark_imported(world.db, world.settings, world.helper_actor, sent.id)
    assert done.transfer.status == ex.IMPORTED and done.transfer.imported_at is not None
    [mine] = mailbox.list_mailbox(world.db, world.settings, world.cm_actor, "sent")
    assert mine.transfer.status == ex.IMPORTED
    assert mailbox.list_mailbox(world.db, world.settings, world.cm_actor, "received") == []


def test_every_list_download_and_status_change_is_audited_per_person(world: World):
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(P2))
    transfer_id = _send(world, name, data).view.transfer.id

    def events(action: str) -> list[tuple[str, str, str]]:
        rows = world.db.execute(
            select(AuditEvent.insured_no, AuditEvent.organization_code, AuditEvent.outcome).where(
                AuditEvent.data_kind == "care_plan", AuditEvent.action == action
            )
        )
        return sorted(tuple(r) for r in rows)

    assert events("write") == [(P1, CM, "allowed"), (P2, CM, "allowed")]
    mailbox.list_mailbox(world.db, world.settings, world.helper_actor, "received")
    assert events("list") == [(P1, HELPER, "allowed"), (P2, HELPER, "allowed")]
    mailbox.read_content(world.db, world.settings, world.helper_actor, transfer_id)
    assert events("read") == [(P1, HELPER, "allowed"), (P2, HELPER, "allowed")]
    mailbox.mark_imported(world.db, world.settings, world.helper_actor, transfer_id)
    assert len(events("write")) == 4


def test_resend_with_the_same_key_replaces_the_earlier_transfer_kept_as_history(world: World):
    first = _send(world, *build_file("UPPLAN", usage_rows(P1))).view.transfer
    name, data = build_file("UPPLAN", usage_rows(P1), stamp="20250426090000")
    second = _send(world, name, data)
    assert second.superseded == [first.id]
    assert (first.state, first.replaced_by_id) == (ex.SUPERSEDED, second.view.transfer.id)
    views = mailbox.list_mailbox(world.db, world.settings, world.helper_actor, "received")
    assert [(v.transfer.id, v.transfer.state) for v in views] == [
        (second.view.transfer.id, ex.ACTIVE),
        (first.id, ex.SUPERSEDED),
    ]
    only_history = mailbox.list_mailbox(
        world.db, world.settings, world.helper_actor, "received", status=ex.SUPERSEDED
    )
    assert [v.transfer.id for v in only_history] == [first.id]


def test_resend_for_one_person_replaces_only_that_persons_part_of_a_shared_file(world: World):
    both = _send(world, *build_file("UPPLAN", usage_rows(P1) + usage_rows(P2))).view.transfer
    _send(world, *build_file("UPPLAN", usage_rows(P1), stamp="20250426090000"))
    rows = world.db.execute(
        select(CareplanTransferPerson.insured_no, CareplanTransferPerson.state).where(
            CareplanTransferPerson.transfer_id == both.id
        )
    )
    states = {insured_no: state for insured_no, state in rows}
    assert states == {P1: ex.SUPERSEDED, P2: ex.ACTIVE}
    assert both.state == ex.ACTIVE
    last = _send(world, *build_file("UPPLAN", usage_rows(P2), stamp="20250427090000"))
    assert last.superseded == [both.id] and both.state == ex.SUPERSEDED


def test_a_different_month_or_receiver_is_not_a_resend(world: World):
    first = _send(world, *build_file("UPPLAN", usage_rows(P1))).view.transfer
    june = usage_rows(P1, month="202506")
    result = _send(world, *build_file("UPPLAN", june, month="202506", stamp="20250526090000"))
    assert result.superseded == [] and first.state == ex.ACTIVE


def test_an_older_resend_is_refused_and_stores_nothing(world: World):
    _send(world, *build_file("UPPLAN", usage_rows(P1), stamp="20250426090000"))
    with pytest.raises(ex.ResendOlder) as caught:
        _send(world, *build_file("UPPLAN", usage_rows(P1), stamp="20250425090000"))
    assert caught.value.code == "CP-RESEND-OLDER"
    assert _count(world) == 1


def test_delete_file_withdraws_the_matching_usage_transfer(world: World):
    plan = _send(world, *build_file("UPPLAN", usage_rows(P1) + usage_rows(P2))).view.transfer
    rows = [
        {"csv_version": "202407", "insurer_no": INSURER_NO, "insured_no": p, "delete_month": MONTH}
        for p in (P1, P2)
    ]
    deletion = _send(world, *build_file("DLTPLAN", rows, stamp="20250428090000"))
    assert deletion.withdrawn == [plan.id]
    assert (plan.state, plan.replaced_by_id) == (ex.WITHDRAWN, deletion.view.transfer.id)
    received = mailbox.list_mailbox(world.db, world.settings, world.helper_actor, "received")
    assert [(v.transfer.record_type, v.transfer.state) for v in received] == [
        ("DLTPLAN", ex.ACTIVE),
        ("UPPLAN", ex.WITHDRAWN),
    ]
    with pytest.raises(ex.TransferInactive):
        mailbox.mark_imported(world.db, world.settings, world.helper_actor, plan.id)


def test_plan_delete_cascades_to_tables_2_and_3_of_the_same_plan_date(world: World):
    t1 = _send(world, *build_file("UP1KYO", [plan1_row(P1)], month=None)).view.transfer
    t2 = _send(world, *build_file("UP2KYO", [plan2_row(P1)], month=None)).view.transfer
    other_date = _send(
        world, *build_file("UP1KYO", [plan1_row(P1, "20250301")], month=None)
    ).view.transfer
    row = {"csv_version": "202407", "insurer_no": INSURER_NO, "insured_no": P1}
    deletion = _send(
        world,
        *build_file(
            "DLT1KYO", [{**row, "plan_date": "20250401"}], month=None, stamp="20250430000000"
        ),
    )
    assert deletion.withdrawn == sorted([t1.id, t2.id])
    assert other_date.state == ex.ACTIVE


def test_rejected_file_stores_nothing_and_reports_every_error(world: World):
    rows = usage_rows(P1)
    rows[0] = {**rows[0], "service_code": "11X", "service_date": "20250230"}
    name, data = build_file("UPPLAN", rows, check=False)
    audit_before = world.db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(FileRejected) as caught:
        _send(world, name, data)
    error = caught.value
    assert error.code == "CP-FILE-REJECTED"
    assert {(e.line, e.column, e.code) for e in error.errors} >= {
        (1, 10, "CP-DATE"),
        (1, 15, "CP-SERVICE-CODE"),
    }
    assert _count(world) == 0
    assert world.db.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_bad_file_name_is_rejected_with_the_name_errors(world: World):
    _, data = build_file("UPPLAN", usage_rows(P1))
    with pytest.raises(FileRejected) as caught:
        _send(world, "UPPLAN_202505_1310000011_43_1310000029_11_2025.CSV", data)
    assert [e.code for e in caught.value.errors] == ["CP-FILE-NAME-TIMESTAMP"]
    v3 = "UPPLAN_202505_1310000011_1310000029_20250425120000.CSV"
    with pytest.raises(FileRejected) as caught:
        _send(world, v3, data)
    assert [e.code for e in caught.value.errors] == ["CP-FILE-NAME-V3"]
    assert _count(world) == 0


def test_sender_in_the_file_name_must_be_the_actors_own_office_and_type(world: World):
    name, data = build_file("UPPLAN", usage_rows(P1))
    with pytest.raises(ex.SenderNotOwnOffice) as caught:
        _send(world, name, data, actor=world.helper_actor)
    assert caught.value.code == "CP-SENDER-NOT-OWN-OFFICE" and caught.value.http_status == 403
    name, data = build_file("UPPLAN", usage_rows(P1), sender_type="46", check=False)
    with pytest.raises(ex.SenderNotOwnOffice):
        _send(world, name, data)
    assert _count(world) == 0


def test_unknown_receiver_or_receiver_without_that_service_type_is_refused(world: World):
    for receiver, receiver_type in (("1319999999", "11"), (HELPER, "15")):
        name, data = build_file(
            "UPPLAN", usage_rows(P1), receiver=receiver, receiver_type=receiver_type
        )
        with pytest.raises(ex.ReceiverUnknown) as caught:
            _send(world, name, data)
        assert caught.value.code == "CP-RECEIVER-UNKNOWN"
    assert _count(world) == 0


def test_a_plan_file_must_come_from_a_care_management_office(world: World):
    rows = usage_rows(P1, sender=HELPER)
    name, data = build_file(
        "UPPLAN", rows, sender=HELPER, sender_type="11", receiver=CM, receiver_type="43"
    )
    with pytest.raises(ex.WrongDirection):
        _send(world, name, data, actor=world.helper_actor)


def test_actual_usage_goes_back_from_the_provider_to_the_care_manager(world: World):
    rows = usage_rows(P1, sender=HELPER)
    name, data = build_file(
        "UPJSK", rows, sender=HELPER, sender_type="11", receiver=CM, receiver_type="43"
    )
    result = _send(world, name, data, actor=world.helper_actor)
    [received] = mailbox.list_mailbox(world.db, world.settings, world.cm_actor, "received")
    assert received.transfer.id == result.view.transfer.id and received.accessible


def test_other_offices_do_not_see_the_file_and_only_the_receiver_marks_it_imported(world: World):
    transfer_id = _send(world, *build_file("UPPLAN", usage_rows(P1))).view.transfer.id
    with pytest.raises(ex.TransferNotFound):
        mailbox.open_transfer(world.db, world.settings, world.other_actor, transfer_id)
    assert mailbox.list_mailbox(world.db, world.settings, world.other_actor, "received") == []
    with pytest.raises(ex.NotReceiver):
        mailbox.mark_imported(world.db, world.settings, world.cm_actor, transfer_id)


def test_mailbox_filters_by_month_and_status(world: World):
    may = _send(world, *build_file("UPPLAN", usage_rows(P1))).view.transfer
    june_rows = usage_rows(P1, month="202506")
    june = _send(world, *build_file("UPPLAN", june_rows, month="202506")).view.transfer
    mailbox.mark_imported(world.db, world.settings, world.helper_actor, june.id)

    def ids(**filters: str) -> list[int]:
        views = mailbox.list_mailbox(world.db, world.settings, world.cm_actor, "sent", **filters)
        return [v.transfer.id for v in views]

    assert ids(month="202505") == [may.id]
    assert ids(status=ex.IMPORTED) == [june.id]
    assert ids(month="202506", status=ex.SENT) == []
