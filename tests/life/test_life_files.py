"""LIFE CSV intake: structure, item lists, the sender's office, and the gate."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import formats, service, trends
from kaigo_kiban.life.models import LifeAssessment, LifeUser
from tests.factories import INSURER_NO
from tests.life.conftest import OFFICE, A, B, C, LifeWorld, form_row, life_file, user_row

USER, FORM = formats.USER_INFO, formats.FORM_0000
TODAY = dt.date(2026, 11, 25)


def _ingest(db: Session, settings: Settings, world: LifeWorld, data: bytes, name: str = "f.csv"):  # type: ignore[no-untyped-def]
    return service.ingest_life_file(db, settings, world.office, data, name, today=TODAY)


def _errors(
    db: Session, settings: Settings, world: LifeWorld, data: bytes
) -> list[tuple[int, int, str]]:
    with pytest.raises(service.LifeFileRejected) as excinfo, db.begin_nested():
        _ingest(db, settings, world, data)
    return [(e.line, e.column, e.code) for e in excinfo.value.errors]


def test_user_info_then_assessments_are_stored_with_scores(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    # CP932 with CRLF, then UTF-8 with a BOM and classic-Mac CR line ends.
    report = _ingest(
        db, settings, life_world, life_file(USER, [user_row(A), user_row(B)], encoding="cp932")
    )
    assert (report.status, report.inserted) == ("committed", 2)
    forms = [
        form_row(A, "1", "20260401"),
        form_row(A, "2", "20260501", barthel_index_bathing="0"),
        form_row(B),
    ]
    data = b"\xef\xbb\xbf" + life_file(FORM, forms, newline="\r")
    assert _ingest(db, settings, life_world, data).inserted == 3
    first = db.get(LifeAssessment, (OFFICE, "15", f"A-{A}-1"))
    assert first is not None and (first.barthel_total, first.height_cm) == (100, 152.5)
    assert db.get(LifeAssessment, (OFFICE, "15", f"A-{A}-2")).barthel_total == 95  # type: ignore[union-attr]
    user = db.get(LifeUser, (OFFICE, "15", f"U-{A}"))
    assert user is not None and (user.care_level, user.birthday) == ("22", dt.date(1940, 1, 2))


def test_resending_keeps_empty_cells_and_a_space_clears_one(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    _ingest(db, settings, life_world, life_file(USER, [user_row(A)]))
    data = life_file(FORM, [form_row(A)])
    _ingest(db, settings, life_world, data)
    assert _ingest(db, settings, life_world, data).status == "duplicate"
    update = form_row(A, weight=" ", barthel_index_meal="", barthel_transfer="1")
    report = _ingest(db, settings, life_world, life_file(FORM, [update]))
    assert (report.inserted, report.updated) == (0, 1)
    row = db.get(LifeAssessment, (OFFICE, "15", f"A-{A}-1"))
    assert row is not None
    assert row.weight_kg is None and row.items["barthel_index_meal"] == "2"
    assert row.barthel_total == 90


def test_an_unknown_or_unsupported_interface_id_is_refused_on_line_one(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    data = life_file(USER, [user_row()]).replace(b"SERVICE_USER_INFO", b"SERVICE_USER", 1)
    assert _errors(db, settings, life_world, data) == [(1, 1, "LIFE-UNKNOWN-INTERFACE")]
    other = b"FORM_0100_2021\r\ncare_facility_id\r\n1310000037\r\n"
    assert _errors(db, settings, life_world, other) == [(1, 1, "LIFE-UNSUPPORTED-INTERFACE")]


def test_column_names_must_match_the_interface(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    data = life_file(USER, [user_row()]).replace(b",gender,", b",sex,", 1)
    assert _errors(db, settings, life_world, data) == [
        (2, 10, "LIFE-UNKNOWN-COLUMN"),
        (2, 0, "LIFE-MISSING-COLUMN"),
    ]


def test_codes_outside_their_lists_and_bad_values_are_reported_by_line_and_column(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    rows = [
        user_row(A, gender="3"),
        user_row(B, care_level="26", dementia_elderly_independence_degree="9"),
        user_row("12345", birthday="19400230", last_name=""),
    ]
    errors = _errors(db, settings, life_world, life_file(USER, rows))
    assert errors == [
        (3, 10, "LIFE-CODE"),
        (4, 15, "LIFE-CODE"),
        (4, 17, "LIFE-CODE"),
        (5, 5, "LIFE-ID"),
        (5, 6, "LIFE-REQUIRED"),
        (5, 11, "LIFE-DATE"),
    ]


def test_dates_in_the_future_are_refused_but_a_certification_may_end_later(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    _ingest(db, settings, life_world, life_file(USER, [user_row(A)]))
    rows = [form_row(A, evaluate_date="20261126"), form_row(A, "2", height="1000.0")]
    assert _errors(db, settings, life_world, life_file(FORM, rows)) == [
        (3, 7, "LIFE-FUTURE-DATE"),
        (4, 33, "LIFE-NUMBER"),
    ]


def test_only_the_senders_office_and_known_users_are_taken(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    rows = [
        user_row(A, care_facility_id="1310000045"),
        user_row(B, service_code="54"),
        user_row("0000000999"),
        user_row(A),
        user_row(A),
    ]
    assert _errors(db, settings, life_world, life_file(USER, rows)) == [
        (3, 1, "LIFE-NOT-YOUR-OFFICE"),
        (4, 2, "LIFE-SERVICE-TYPE"),
        (5, 5, "LIFE-UNKNOWN-PERSON"),
        (7, 3, "LIFE-DUPLICATE-KEY"),
    ]
    assert _errors(db, settings, life_world, life_file(FORM, [form_row(A)])) == [
        (3, 4, "LIFE-NO-USER-INFO")
    ]


def test_persons_without_consent_and_assignment_are_refused_and_audited(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    with pytest.raises(service.LifeAccessDenied) as excinfo:
        _ingest(db, settings, life_world, life_file(USER, [user_row(A), user_row(C)]))
    assert [(e.line, e.code) for e in excinfo.value.errors] == [(4, "ACCESS-NO-ASSIGNMENT")]
    assert db.scalars(select(LifeUser)).all() == []
    events = db.scalars(select(AuditEvent.outcome).where(AuditEvent.data_kind == "life")).all()
    assert sorted(events) == ["allowed", "denied"]


def test_trends_for_offices_and_aggregates_only_for_municipalities(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    _ingest(db, settings, life_world, life_file(USER, [user_row(A)]))
    rows = [form_row(A, "1", "20260601", barthel_transfer="1"), form_row(A, "2", "20261001")]
    _ingest(db, settings, life_world, life_file(FORM, rows))
    trend = trends.person_trend(db, settings, life_world.staff, INSURER_NO, A)
    assert [r.barthel_total for r in trend.rows] == [90, 100]
    assert trend.chart is not None and len(trend.chart.points) == 2
    assert "10点 上がっています" in trend.summary
    with pytest.raises(PermissionDenied) as excinfo:
        trends.person_trend(db, settings, life_world.municipality, INSURER_NO, A)
    assert excinfo.value.code == "ACCESS-POLICY"
    with pytest.raises(PermissionDenied):
        trends.person_trend(db, settings, life_world.other_office, INSURER_NO, A)
    with pytest.raises(PermissionDenied):
        service.municipal_aggregates(db, life_world.staff)


def test_municipal_aggregates_suppress_cells_under_ten_people(
    db: Session, settings: Settings, life_world: LifeWorld
) -> None:
    from kaigo_kiban.core.clock import utcnow

    day = dt.date(2026, 10, 1)
    totals = [70] * 12 + [30] * 3 + [100] * 11  # 要介護2 ×15, 要介護4 ×11
    for i, total in enumerate(totals):
        no = f"{900 + i:010d}"
        level = "22" if i < 15 else "24"
        db.add(
            LifeUser(
                care_facility_id=OFFICE,
                service_code="15",
                external_no=f"U{i}",
                insurer_no=INSURER_NO,
                insured_no=no,
                care_level=level,
                source_file_id=0,
                updated_at=utcnow(),
            )
        )
        for n, (offset, value) in enumerate(((60, 0), (0, total))):  # only the latest counts
            db.add(
                LifeAssessment(
                    care_facility_id=OFFICE,
                    service_code="15",
                    external_no=f"A{i}-{n}",
                    insurer_no=INSURER_NO,
                    insured_no=no,
                    evaluate_date=day - dt.timedelta(days=offset),
                    items={},
                    barthel_total=value,
                    source_file_id=0,
                    updated_at=utcnow(),
                )
            )
    db.flush()
    agg = service.municipal_aggregates(db, life_world.municipality, on=day)
    t = agg.table
    cells = {row: [c.shown for c in t.cells[i]] for i, row in enumerate(t.rows)}
    assert cells["要介護1・2"] == ["—", "—", "12", "—"]  # the 3 with 30 points are hidden
    assert cells["要介護4・5"] == ["—", "—", "—", "11"]
    # A total would give the hidden cells away by subtraction (the 3, and the zeros).
    assert [c.shown for c in t.row_totals] == ["—"] * 5
    assert t.total.shown == "—"
    assert t.row_totals[1].count == 15 and t.cells[1][1].count == 3  # counted, just not shown
