"""The person's copy (交付): the care manager marks a sent plan delivered; the person lists it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.careplan import delivery, mailbox
from kaigo_kiban.careplan import exchange as ex
from tests.careplan.exchange_world import P1, P2, P3, World, build_file, plan1_row, usage_rows
from tests.factories import INSURER_NO


def _person(insured_no: str) -> Actor:
    return Actor(kind="person", display_name="本人", insurer_no=INSURER_NO, insured_no=insured_no)


def _send_plan(w: World, *persons: str, stamp: str = "20250425120000") -> int:
    rows = [plan1_row(p) for p in persons]
    name, data = build_file("UP1KYO", rows, month=None, stamp=stamp)
    return mailbox.send_file(w.db, w.settings, w.cm_actor, data, name).view.transfer.id


def test_care_manager_delivers_a_plan_and_the_person_sees_only_their_own_part(world: World):
    transfer_id = _send_plan(world, P1, P2)
    records = delivery.mark_delivered(world.db, world.settings, world.cm_actor, transfer_id)
    assert {(r.insured_no, r.transfer_id) for r in records} == {
        (P1, transfer_id),
        (P2, transfer_id),
    }
    again = delivery.mark_delivered(world.db, world.settings, world.cm_actor, transfer_id)
    assert [r.id for r in again] == [r.id for r in records]  # idempotent

    [plan] = delivery.list_delivered_plans(world.db, world.settings, _person(P1), INSURER_NO, P1)
    assert (plan.transfer_id, plan.record_type, plan.plan_date) == (
        transfer_id,
        "UP1KYO",
        "20250401",
    )
    assert plan.office_no == "1310000011" and plan.state == ex.ACTIVE
    [sheet] = plan.sheets
    assert sheet.insured_no == P1
    titles = [s.title for s in sheet.sections]
    assert "総合的な援助の方針" in titles
    policy = next(s for s in sheet.sections if s.title == "総合的な援助の方針")
    assert policy.text == "安心して在宅生活を続けられるよう支援します。"
    events = world.db.execute(
        select(AuditEvent.actor_kind, AuditEvent.outcome, AuditEvent.reason).where(
            AuditEvent.data_kind == "care_plan",
            AuditEvent.insured_no == P1,
            AuditEvent.action == "read",
        )
    ).all()
    assert [tuple(e) for e in events] == [("person", "allowed", "SELF")]


def test_a_replaced_plan_stays_listed_as_an_earlier_version(world: World):
    first = _send_plan(world, P1)
    delivery.mark_delivered(world.db, world.settings, world.cm_actor, first)
    second = _send_plan(world, P1, stamp="20250501090000")
    delivery.mark_delivered(world.db, world.settings, world.cm_actor, second)
    plans = delivery.list_delivered_plans(world.db, world.settings, _person(P1), INSURER_NO, P1)
    assert [(p.transfer_id, p.state) for p in plans] == [
        (second, ex.ACTIVE),
        (first, ex.SUPERSEDED),
    ]


def test_only_the_sending_care_management_office_records_delivery_of_a_plan_file(world: World):
    plan = _send_plan(world, P1)
    with pytest.raises(ex.NotPlanOffice):
        delivery.mark_delivered(world.db, world.settings, world.helper_actor, plan)
    name, data = build_file("UPPLAN", usage_rows(P1))
    usage = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    usage_id = usage.view.transfer.id
    with pytest.raises(ex.NotPlanFile):
        delivery.mark_delivered(world.db, world.settings, world.cm_actor, usage_id)


def test_delivered_plans_are_not_shown_to_someone_else(world: World):
    delivery.mark_delivered(world.db, world.settings, world.cm_actor, _send_plan(world, P1))
    with pytest.raises(AccessDenied):
        delivery.list_delivered_plans(world.db, world.settings, _person(P3), INSURER_NO, P1)
    with pytest.raises(AccessDenied):
        delivery.list_delivered_plans(world.db, world.settings, world.other_actor, INSURER_NO, P1)
    # the assigned care manager may look too
    plans = delivery.list_delivered_plans(world.db, world.settings, world.cm_actor, INSURER_NO, P1)
    assert len(plans) == 1
    assert (
        delivery.list_delivered_plans(world.db, world.settings, _person(P2), INSURER_NO, P2) == []
    )
