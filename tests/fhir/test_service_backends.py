"""The FHIR use cases on SQLite and PostgreSQL (the ``db`` fixture runs both)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import Consent
from kaigo_kiban.core.errors import NotFound
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.fhir import mapping, service
from tests.factories import (
    INSURER_NO,
    actor_for,
    copay_card_row,
    ingest,
    insurance_card_row,
    make_insurer,
    make_org,
    write_card_file,
)
from tests.fhir.validate import valid

PATIENT = f"Patient/{INSURER_NO}-0000000001"


def _municipality(db: Session, tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    ingest(db, write_card_file(tmp_path, "copay_card", [copay_card_row()]), settings)
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2024, 4, 1), "t"
    )
    city = make_org(db, "municipality", INSURER_NO, "千代田区 介護保険課", insurer_no=INSURER_NO)
    return actor_for(city, "municipal_staff")


def test_the_fhir_reads_work_on_both_databases(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    city = _municipality(db, tmp_path, settings)
    [(_, patient)] = service.search_patients(db, settings, city, "0000000001")
    [(_, coverage)] = service.search_coverages(db, settings, city, PATIENT, dt.date(2024, 9, 1))
    consent = mapping.consent(db.scalars(select(Consent)).one())
    events = service.search_audit_events(db, settings, city, PATIENT, ["ge2000-01-01"])
    for resource in (patient, coverage, consent, *(r for _, r in events)):
        valid(resource)
    assert coverage["costToBeneficiary"][0]["valueQuantity"]["value"] == 10
    # the patient search, the coverage read (two kinds) and this read of the history itself
    assert len(events) == 4
    assert service.read_audit_event(db, settings, city, events[-1][1]["id"])["id"]
    with pytest.raises(NotFound):
        service.read_consent(db, settings, city, "99999999999")
