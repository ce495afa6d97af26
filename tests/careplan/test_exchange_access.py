"""Only offices assigned to every person in a file may send or receive it; denials are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan import mailbox
from kaigo_kiban.careplan.models import CareplanTransfer
from kaigo_kiban.core.database import abandon
from tests.careplan.exchange_world import P1, P3, P4, World, build_file, usage_rows


def _denials(w: World, action: str) -> list[tuple[str | None, str, str | None]]:
    rows = w.db.execute(
        select(AuditEvent.insured_no, AuditEvent.reason, AuditEvent.organization_code).where(
            AuditEvent.data_kind == "care_plan",
            AuditEvent.action == action,
            AuditEvent.outcome == "denied",
        )
    )
    return [tuple(r) for r in rows]


def _count(w: World) -> int:
    return w.db.scalar(select(func.count()).select_from(CareplanTransfer)) or 0


def test_sending_a_file_naming_a_person_the_office_is_not_assigned_to_is_denied_and_audited(
    world: World,
):
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(P4))
    with pytest.raises(ex.CareplanAccessDenied) as caught:
        mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    error = caught.value
    assert error.code == "CP-ACCESS-DENIED" and error.http_status == 403
    assert [(d["insured_no"], d["reason"]) for d in error.details] == [(P4, "NO-ASSIGNMENT")]
    abandon(world.db)  # the request fails: its unit of work rolls back but keeps the denials
    assert _denials(world, "write") == [(P4, "NO-ASSIGNMENT", "1310000011")]
    assert _count(world) == 0


def test_receiver_not_assigned_to_a_person_cannot_open_the_file_and_is_audited(world: World):
    name, data = build_file("UPPLAN", usage_rows(P3))
    result = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    assert [(w.code, w.value) for w in result.warnings] == [("CP-RECEIVER-NOT-ASSIGNED", P3)]
    transfer = result.view.transfer

    [listed] = mailbox.list_mailbox(world.db, world.settings, world.helper_actor, "received")
    assert not listed.accessible and not listed.is_new
    assert transfer.status == ex.SENT  # not received: the office could not open it
    with pytest.raises(ex.CareplanAccessDenied) as caught:
        mailbox.read_content(world.db, world.settings, world.helper_actor, transfer.id)
    # the receiver is told why, not who: it may not see that person at all
    assert caught.value.details == [
        {"reason": "NO-ASSIGNMENT", "message": caught.value.denied[0].decision.message}
    ]
    assert P3 not in caught.value.message
    with pytest.raises(ex.CareplanAccessDenied):
        mailbox.mark_imported(world.db, world.settings, world.helper_actor, transfer.id)
    assert _denials(world, "list") == [(P3, "NO-ASSIGNMENT", "1310000029")]
    assert _denials(world, "read") == [(P3, "NO-ASSIGNMENT", "1310000029")]
    assert _denials(world, "write") == [(P3, "NO-ASSIGNMENT", "1310000029")]


def test_withdrawn_consent_stops_the_exchange(world: World):
    from kaigo_kiban.access.models import Consent
    from kaigo_kiban.core.clock import utcnow

    for consent in world.db.scalars(select(Consent).where(Consent.insured_no == P1)):
        consent.withdrawn_at = utcnow()
    world.db.flush()
    name, data = build_file("UPPLAN", usage_rows(P1))
    with pytest.raises(ex.CareplanAccessDenied) as caught:
        mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    assert caught.value.details[0]["reason"] == "CONSENT-WITHDRAWN"


def test_the_assignment_requirement_can_be_switched_off_and_is_still_audited(world: World):
    relaxed = world.settings.model_copy(update={"careplan_require_assignment": False})
    name, data = build_file("UPPLAN", usage_rows(P4))
    result = mailbox.send_file(world.db, relaxed, world.cm_actor, data, name)
    [listed] = mailbox.list_mailbox(world.db, relaxed, world.helper_actor, "received")
    assert listed.accessible
    assert (
        mailbox.read_content(world.db, relaxed, world.helper_actor, listed.transfer.id)[1] == data
    )
    assert result.view.transfer.id == listed.transfer.id
    assert _denials(world, "write") == [(P4, "NO-ASSIGNMENT", "1310000011")]
    assert _denials(world, "read") == [(P4, "NO-ASSIGNMENT", "1310000029")]


def test_public_assistance_person_is_refused_by_default_and_the_attempt_audited(world: World):
    assistance = "H000000001"
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(assistance))
    with pytest.raises(ex.CareplanAccessDenied) as caught:
        mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    assert [(d["insured_no"], d["reason"]) for d in caught.value.details] == [
        (assistance, "PUBLIC-ASSISTANCE")
    ]
    # the gate knows no such person; the audit row says so
    assert _denials(world, "write") == [(assistance, "NO-PERSON", "1310000011")]
    assert _count(world) == 0


def test_public_assistance_person_passes_when_the_requirement_is_off_without_a_limit(
    world: World,
):
    relaxed = world.settings.model_copy(update={"careplan_require_assignment": False})
    assistance = "H000000001"
    name, data = build_file("UPPLAN", usage_rows(assistance))
    result = mailbox.send_file(world.db, relaxed, world.cm_actor, data, name)
    [limit] = result.limits
    assert limit.care_level is None and limit.excess_units is None
    assert "生活保護単独" in (limit.note or "")
