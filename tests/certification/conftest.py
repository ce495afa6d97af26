"""Certification fixtures: an insurer with carded persons (through the real intake), offices,
a clinic and a municipality; files of the certification kinds written like a municipality would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases import formats
from kaigo_kiban.certification.cases.survey_items import catalogue
from kaigo_kiban.certification.opinions.formats import OPINION_REQUEST
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import Layout
from kaigo_kiban.ingest.service import FileReport
from tests.factories import (
    INSURER_NO,
    actor_for,
    card_file_name,
    card_file_text,
    complete_opinion_content,
    ingest,
    insurance_card_row,
    make_insurer,
    make_org,
    write_card_file,
)

PERSON = "0000000001"
OTHER = "0000000002"
CLINIC_CODE = "1310000037"
TODAY = today_jst()
LAYOUTS: dict[str, Layout] = {
    layout.kind: layout for layout in (*formats.CASE_LAYOUTS, OPINION_REQUEST)
}


def ymd(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def write_file(directory: Path, kind: str, rows: list[dict[str, Any]]) -> Path:
    """A CSV file of a certification kind (header + rows; missing cells blank)."""
    layout = LAYOUTS[kind]
    text_rows = [
        {
            k: ymd(v) if isinstance(v, dt.date) else ("" if v is None else str(v))
            for k, v in r.items()
        }
        for r in rows
    ]
    path = directory / card_file_name(kind)
    path.write_text(card_file_text(layout, text_rows), encoding="utf-8")
    return path


def application_row(no: str = "2026000001", insured_no: str = PERSON, **kw: Any) -> dict[str, Any]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "application_no": no,
        "application_kind": "1",
        "applied_on": dt.date(2026, 4, 1),
    }
    return {**row, **kw}


def milestone_row(
    code: str, day: dt.date | None, no: str = "2026000001", **kw: Any
) -> dict[str, Any]:
    return {"insurer_no": INSURER_NO, "application_no": no, "milestone": code, "day": day, **kw}


def result_row(no: str = "2026000001", **kw: Any) -> dict[str, Any]:
    row = {
        "insurer_no": INSURER_NO,
        "application_no": no,
        "outcome": "1",
        "care_level": "22",
        "decided_on": dt.date(2026, 4, 28),
        "valid_from": dt.date(2026, 4, 1),
        "valid_to": dt.date(2026, 9, 30),
    }
    return {**row, **kw}


def survey_row(no: str = "2026000001", **kw: Any) -> dict[str, Any]:
    """A complete survey: every single-choice item answered 1, 麻痺 左上肢+右下肢, 拘縮 none."""
    row: dict[str, Any] = {
        "insurer_no": INSURER_NO,
        "application_no": no,
        "surveyed_on": dt.date(2026, 4, 10),
    }
    for item in catalogue().items:
        row[item.column] = "1"
    row["item_1_1"] = "2 5"
    row["medical_05"] = "1"
    row.update(physical_independence="4", dementia_independence="3", overview="自宅で長女と同居")
    row["notes"] = "1-7 歩行: 屋内は伝い歩き"
    return {**row, **kw}


def request_row(no: str = "2026000001", insured_no: str = PERSON, **kw: Any) -> dict[str, Any]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "application_no": no,
        "institution_code": CLINIC_CODE,
        "doctor_name": "試験 医師",
        "requested_on": TODAY - dt.timedelta(days=3),
        "due_on": TODAY + dt.timedelta(days=11),
    }
    return {**row, **kw}


@dataclass
class World:
    tmp: Path
    settings: Settings
    city: Actor
    cm: Actor
    clerk: Actor
    helper: Actor
    clinic: Actor
    clinic_org_id: int

    def send(self, db: Session, kind: str, rows: list[dict[str, Any]]) -> FileReport:
        return ingest(db, write_file(self.tmp, kind, rows), self.settings)


@pytest.fixture
def world(db: Session, tmp_path: Path, settings: Settings) -> World:
    make_insurer(db)
    cards = write_card_file(
        tmp_path,
        "insurance_card",
        [insurance_card_row(PERSON, application_status="2"), insurance_card_row(OTHER)],
    )
    assert ingest(db, cards, settings).status == "committed"
    city = make_org(db, "municipality", INSURER_NO, "千代田区 介護保険課", insurer_no=INSURER_NO)
    cm = make_org(db, "office", "1310000011", "試験居宅介護支援", ("43",))
    helper = make_org(db, "office", "1310000029", "試験訪問介護", ("11",))
    clinic = make_org(db, "medical", CLINIC_CODE, "試験内科クリニック")
    cm_actor = actor_for(cm, "care_manager", service_types=("43",))
    helper_actor = actor_for(helper, "care_worker", service_types=("11",))
    for person in (PERSON, OTHER):
        access.record_consent(
            db, INSURER_NO, person, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
    access.register_assignment(db, cm_actor, INSURER_NO, PERSON, "43", "MYNUMBER_CARD")
    access.register_assignment(db, helper_actor, INSURER_NO, PERSON, "11", "MYNUMBER_CARD")
    return World(
        tmp=tmp_path,
        settings=settings,
        city=actor_for(city, "municipal_staff"),
        cm=cm_actor,
        clerk=actor_for(cm, "clerk", service_types=("43",)),
        helper=helper_actor,
        clinic=actor_for(clinic, "physician"),
        clinic_org_id=clinic.id,
    )


def complete_opinion(**overrides: Any) -> dict[str, Any]:
    """Content that passes every check of the form (synthetic)."""
    return complete_opinion_content(**overrides)
