"""住宅改修費・福祉用具購入費 files through the real intake, with the allowance rules applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.benefits import service
from kaigo_kiban.benefits.formats import EQUIPMENT_PURCHASE, HOME_MODIFICATION
from kaigo_kiban.benefits.models import HomeModification, UsageRevision
from kaigo_kiban.core.settings import Settings
from tests.factories import (
    INSURER_NO,
    actor_for,
    grant_for,
    ingest,
    make_insurer,
    make_org,
    make_person,
    write_rows_file,
)

A = "0000000201"


@pytest.fixture
def town(db: Session):  # type: ignore[no-untyped-def]
    make_insurer(db)
    make_person(db, A)
    org = make_org(db, "municipality", INSURER_NO, "千代田区", insurer_no=INSURER_NO)
    return actor_for(org, "municipal_staff")


def home(no: str, used_on: str, cost: int, **extra: str) -> dict[str, str]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": A,
        "record_no": no,
        "used_on": used_on,
        "cost_yen": str(cost),
        "paid_yen": str(cost * 9 // 10),
        "residence_id": "R1",
        "care_level": "22",
        "description": "手すりの取り付け",
        "history_no": "1",
    }
    row.update(extra)
    return row


def equipment(no: str, used_on: str, cost: int, **extra: str) -> dict[str, str]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": A,
        "record_no": no,
        "used_on": used_on,
        "cost_yen": str(cost),
        "item_code": "04",
        "history_no": "1",
    }
    row.update(extra)
    return row


def _file(tmp_path: Path, layout, rows):  # type: ignore[no-untyped-def]
    return write_rows_file(tmp_path, layout, rows)


def test_a_modification_over_the_allowance_is_accepted_and_flagged(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    rows = [home("HM1", "20250601", 150_000), home("HM2", "20250901", 80_000)]
    report = ingest(db, _file(tmp_path, HOME_MODIFICATION, rows), settings)
    assert report.status == "committed", report.to_dict()
    flags = {r.record_no: (r.exceeds, r.excess_yen) for r in db.scalars(select(HomeModification))}
    assert flags == {"HM1": (False, 0), "HM2": (True, 30_000)}
    summary = service.usage_summary(db, settings, town, INSURER_NO, A, as_of=dt.date(2025, 10, 1))
    view = summary.kinds["home_modification"]
    assert (view.allowance_yen, view.used_yen, view.remaining_yen, view.over_yen) == (
        200_000,
        230_000,
        0,
        30_000,
    )
    assert view.flagged == 1 and "30,000円超えます" in (view.records[0].note or "")


def test_a_correction_replays_the_flags_and_keeps_the_old_content(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    rows = [home("HM1", "20250601", 150_000), home("HM2", "20250901", 80_000)]
    ingest(db, _file(tmp_path, HOME_MODIFICATION, rows), settings)
    fix = [home("HM2", "20250901", 40_000, correction_kind="2")]
    assert ingest(db, _file(tmp_path, HOME_MODIFICATION, fix), settings).status == "committed"
    hm2 = db.get(HomeModification, (INSURER_NO, A, "HM2", 1))
    assert hm2 is not None and (hm2.cost_yen, hm2.exceeds) == (40_000, False)
    assert db.scalars(select(UsageRevision.content)).one()["cost_yen"] == 80_000
    drop = [home("HM1", "20250601", 150_000, correction_kind="3")]
    ingest(db, _file(tmp_path, HOME_MODIFICATION, drop), settings)
    summary = service.usage_summary(db, settings, town, INSURER_NO, A, as_of=dt.date(2025, 10, 1))
    assert summary.kinds["home_modification"].used_yen == 40_000


def test_a_later_history_number_supersedes_a_record(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    rows = [home("HM1", "20250601", 150_000), home("HM1", "20250601", 120_000, history_no="2")]
    ingest(db, _file(tmp_path, HOME_MODIFICATION, rows), settings)
    [current] = service.current_records(
        db, grant_for(INSURER_NO, A, "home_modification"), "home_modification"
    )
    assert (current.history_no, current.cost_yen) == (2, 120_000)


def test_equipment_counts_per_fiscal_year(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    rows = [
        equipment("E1", "20250320", 90_000),  # FY2024
        equipment("E2", "20250410", 60_000),  # FY2025
        equipment("E3", "20260115", 50_000),  # FY2025: 10,000 over
    ]
    ingest(db, _file(tmp_path, EQUIPMENT_PURCHASE, rows), settings)
    summary = service.usage_summary(db, settings, town, INSURER_NO, A, as_of=dt.date(2026, 3, 31))
    view = summary.kinds["equipment_purchase"]
    assert (view.used_yen, view.remaining_yen, view.period) == (110_000, 0, "2025年度")
    flagged = {r.record_no: r.excess_yen for r in view.records if r.exceeds}
    assert flagged == {"E3": 10_000}
    next_year = service.usage_summary(db, settings, town, INSURER_NO, A, as_of=dt.date(2026, 4, 1))
    assert next_year.kinds["equipment_purchase"].remaining_yen == 100_000


def test_database_checks_reject_the_whole_file(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    ingest(db, _file(tmp_path, HOME_MODIFICATION, [home("HM1", "20250601", 10_000)]), settings)
    rows = [
        home("HM1", "20250601", 99_000),  # same record and history, other content
        home("HM9", "20250601", 1_000, insured_no="0000000999"),  # unknown person
        home("HM5", "20250601", 1_000, correction_kind="2"),  # correction of nothing
        home("HM6", "20250601", 1_000),
        home("HM6", "20250601", 1_000),  # twice in one file
    ]
    report = ingest(db, _file(tmp_path, HOME_MODIFICATION, rows), settings)
    codes = sorted((e.line, e.code) for e in report.errors)
    assert report.status == "rejected"
    assert codes == [
        (2, "ING-HISTORY-EXISTS"),
        (3, "ING-UNKNOWN-PERSON"),
        (4, "ING-HISTORY-MISSING"),
        (6, "ING-DUPLICATE-KEY"),
    ]
    assert (
        len(
            service.current_records(
                db, grant_for(INSURER_NO, A, "home_modification"), "home_modification"
            )
        )
        == 1
    )


def test_rows_are_validated_cell_by_cell(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    rows = [
        equipment("E1", "20250230", 1_000),
        equipment("E2", "20250401", -5),
        equipment("E3", "20250401", 1_000, item_code="99"),
    ]
    report = ingest(db, _file(tmp_path, EQUIPMENT_PURCHASE, rows), settings)
    assert [(e.line, e.code) for e in report.errors] == [
        (2, "ING-DATE"),
        (3, "ING-NUMBER"),
        (4, "ING-CODE"),
    ]
    missing = ingest(
        db,
        _file(tmp_path, HOME_MODIFICATION, [home("H", "20250401", 1, residence_id="")]),
        settings,
    )
    assert [e.code for e in missing.errors] == ["ING-REQUIRED"]


def test_offices_see_usage_only_with_consent_and_assignment(
    db: Session, settings: Settings, tmp_path: Path, town
) -> None:
    ingest(db, _file(tmp_path, EQUIPMENT_PURCHASE, [equipment("E1", "20250410", 30_000)]), settings)
    office = actor_for(
        make_org(db, "office", "1310000011", "試験居宅", ("43",)),
        "care_manager",
        service_types=("43",),
    )
    with pytest.raises(AccessDenied) as excinfo:
        service.usage_summary(db, settings, office, INSURER_NO, A)
    assert excinfo.value.code == "ACCESS-NO-CONSENT"
    access.record_consent(db, INSURER_NO, A, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t")
    access.register_assignment(db, office, INSURER_NO, A, "43", "MYNUMBER_CARD")
    summary = service.usage_summary(db, settings, office, INSURER_NO, A, as_of=dt.date(2025, 5, 1))
    assert summary.kinds["equipment_purchase"].remaining_yen == 70_000
