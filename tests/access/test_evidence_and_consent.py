"""Service evidence keeps assignments alive; consent comes by file or from an office; two-key lookup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.formats import CONSENT, SERVICE_EVIDENCE
from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from tests.factories import (
    INSURER_NO,
    actor_for,
    ingest,
    insurance_card_row,
    make_insurer,
    make_org,
    make_person,
    write_card_file,
    write_rows_file,
)


def _month(offset: int) -> str:
    d = today_jst()
    m = d.year * 12 + d.month - 1 + offset
    return f"{m // 12:04d}{m % 12 + 1:02d}"


@pytest.fixture
def office(db: Session, tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    org = make_org(db, "office", "1310000011", service_types=("43",))
    return org, actor_for(org, "care_manager", service_types=("43",))


def test_consent_file_gives_and_withdraws(
    db: Session, tmp_path: Path, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    _org, actor = office
    access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    give = {
        "insurer_no": INSURER_NO,
        "insured_no": "0000000001",
        "source": "1",
        "effective_from": "20240401",
    }
    assert ingest(db, write_rows_file(tmp_path, CONSENT, [give]), settings).status == "committed"
    assert access.open_kind(db, settings, actor, INSURER_NO, "0000000001", "insurance_card").allows(
        "insurance_card"
    )
    withdraw = {**give, "source": "9", "effective_from": "20250101"}
    assert (
        ingest(db, write_rows_file(tmp_path, CONSENT, [withdraw]), settings).status == "committed"
    )
    with pytest.raises(AccessDenied) as denied:
        access.open_kind(db, settings, actor, INSURER_NO, "0000000001", "insurance_card")
    assert denied.value.code == "ACCESS-CONSENT-WITHDRAWN"


def test_consent_file_for_unknown_person_is_rejected(
    db: Session, tmp_path: Path, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": "0000000999",
        "source": "1",
        "effective_from": "20240401",
    }
    report = ingest(db, write_rows_file(tmp_path, CONSENT, [row]), settings)
    assert [e.code for e in report.errors] == ["ING-UNKNOWN-PERSON"]
    assert db.scalars(select(Consent)).all() == []


def test_service_evidence_revives_a_lapsing_assignment(
    db: Session, tmp_path: Path, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    org, actor = office
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    assignment = access.register_assignment(
        db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD"
    )
    assignment.last_evidence_month = _month(-5)
    db.flush()
    assert access.assignment_state(db, settings, org.id, INSURER_NO, "0000000001") == "lapsed"
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": "0000000001",
        "office_no": "1310000011",
        "service_month": _month(-1),
    }
    assert (
        ingest(db, write_rows_file(tmp_path, SERVICE_EVIDENCE, [row]), settings).status
        == "committed"
    )
    db.refresh(assignment)
    assert assignment.last_evidence_month == _month(-1)
    assert access.assignment_state(db, settings, org.id, INSURER_NO, "0000000001") == "active"
    older = {**row, "service_month": _month(-3)}
    ingest(db, write_rows_file(tmp_path, SERVICE_EVIDENCE, [older]), settings)
    db.refresh(assignment)
    assert assignment.last_evidence_month == _month(-1)  # never moves backwards


def test_bad_service_month_is_reported(
    db: Session, tmp_path: Path, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": "0000000001",
        "office_no": "1310000011",
        "service_month": "202613",
    }
    report = ingest(db, write_rows_file(tmp_path, SERVICE_EVIDENCE, [row]), settings)
    assert [(e.line, e.column, e.code) for e in report.errors] == [(2, 4, "ING-DIGITS")]


def test_office_takes_consent_on_behalf_and_it_is_audited(
    db: Session, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    from kaigo_kiban.audit.models import AuditEvent

    _, actor = office
    consent = access.give_consent_on_behalf(
        db, settings, actor, INSURER_NO, "0000000001", dt.date(2026, 1, 5)
    )
    assert consent.source == "OFFICE_ON_BEHALF"
    event = db.scalars(select(AuditEvent)).one()
    assert (event.data_kind, event.action, event.outcome) == ("consent", "write", "allowed")
    helper_org = make_org(db, "office", "1310000029", service_types=("11",))
    with pytest.raises(Exception) as refused:
        access.give_consent_on_behalf(
            db,
            settings,
            actor_for(helper_org, "care_worker", service_types=("11",)),
            INSURER_NO,
            "0000000001",
            dt.date(2026, 1, 5),
        )
    assert refused.value.code == "ACCESS-CONSENT-OFFICE-TYPE"  # type: ignore[attr-defined]


def test_lookup_needs_number_and_birth_date(db: Session, settings: Settings, office) -> None:  # type: ignore[no-untyped-def]
    _, actor = office
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    person, data = cards.lookup_for_office(
        db, settings, actor, INSURER_NO, "0000000001", dt.date(1945, 3, 15), today_jst()
    )
    assert person.insured_no == "0000000001" and data["insurance_card"]["current"] is not None
    with pytest.raises(AccessDenied) as wrong_birth:
        cards.lookup_for_office(
            db, settings, actor, INSURER_NO, "0000000001", dt.date(1945, 3, 16), today_jst()
        )
    with pytest.raises(AccessDenied) as unknown:
        cards.lookup_for_office(
            db, settings, actor, INSURER_NO, "0000000002", dt.date(1945, 3, 15), today_jst()
        )
    assert wrong_birth.value.code == unknown.value.code == "ACCESS-NO-PERSON"
    assert wrong_birth.value.message == unknown.value.message


def test_ended_assignment_is_not_listed(db: Session, settings: Settings, office) -> None:  # type: ignore[no-untyped-def]
    from kaigo_kiban.core.clock import utcnow

    _, actor = office
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    a = access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    assert len(access.list_assigned_persons(db, settings, actor)) == 1
    a.ended_at = utcnow()
    db.flush()
    assert access.list_assigned_persons(db, settings, actor) == []
    assert db.get(Assignment, a.id) is not None


def test_office_ends_its_assignment_and_loses_access(
    db: Session, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    from kaigo_kiban.audit.models import AuditEvent

    _org, actor = office
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    a = access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    access.end_assignment_by_office(db, settings, actor, a.id)
    with pytest.raises(AccessDenied) as ended:
        access.open_kind(db, settings, actor, INSURER_NO, "0000000001", "insurance_card")
    assert ended.value.code == "ACCESS-ASSIGNMENT-ENDED"
    reasons = db.scalars(
        select(AuditEvent.reason).where(AuditEvent.data_kind == "assignment")
    ).all()
    assert reasons == ["MYNUMBER_CARD", "ENDED-BY-OFFICE"]
    other = make_org(db, "office", "1310000029", service_types=("11",))
    with pytest.raises(Exception) as foreign:
        access.end_assignment_by_office(
            db, settings, actor_for(other, "care_worker", service_types=("11",)), a.id
        )
    assert foreign.value.code == "ACCESS-ASSIGNMENT-NOT-FOUND"  # type: ignore[attr-defined]


def test_the_same_number_at_two_insurers_is_looked_up_at_the_insurer_named(
    db: Session, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    """被保険者番号 is unique only within one insurer: with the same number and birth date at 大阪市
    too, the office's lookup at 千代田区 finds its own person, and a lookup at 大阪市 is denied
    (no consent, no assignment there)."""
    _, actor = office
    make_insurer(db, "271004", "大阪市")
    make_person(
        db,
        "0000000001",
        insurer_no="271004",
        name_kanji="別人 花子",
        birth_date=dt.date(1945, 3, 15),
    )
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    person, data = cards.lookup_for_office(
        db, settings, actor, INSURER_NO, "0000000001", dt.date(1945, 3, 15), today_jst()
    )
    assert (person.insurer_no, person.name_kanji) == (INSURER_NO, "山田 太郎")
    assert data["insurance_card"]["current"].insurer_no == INSURER_NO
    with pytest.raises(AccessDenied) as other:
        cards.lookup_for_office(
            db, settings, actor, "271004", "0000000001", dt.date(1945, 3, 15), today_jst()
        )
    assert other.value.code == "ACCESS-NO-CONSENT"  # the other person gave no consent


def test_an_office_given_a_number_alone_learns_every_insurer_it_is_assigned_at(
    db: Session, settings: Settings, office
) -> None:  # type: ignore[no-untyped-def]
    """The case page reached by number alone asks which insurer when there are two."""
    _, actor = office
    make_insurer(db, "271004", "大阪市")
    make_person(db, "0000000001", insurer_no="271004", birth_date=dt.date(1945, 3, 15))
    access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "MYNUMBER_CARD")
    assert access.assigned_insurers(db, actor.organization_id, "0000000001") == [INSURER_NO]
    access.register_assignment(db, actor, "271004", "0000000001", "43", "MYNUMBER_CARD")
    assert access.assigned_insurers(db, actor.organization_id, "0000000001") == [
        INSURER_NO,
        "271004",
    ]
    assert access.assigned_insurers(db, actor.organization_id, "0000000009") == []
