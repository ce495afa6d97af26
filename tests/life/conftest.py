"""LIFE fixtures: an office (通所介護) assigned to two persons with consent, and file builders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.life import formats
from kaigo_kiban.life import service as life
from tests.factories import INSURER_NO, actor_for, make_insurer, make_org, make_person

OFFICE = "1310000037"
A = "0000000301"
B = "0000000302"
C = "0000000303"  # no consent


@dataclass
class LifeWorld:
    office: Actor
    staff: Actor
    municipality: Actor
    other_office: Actor


@pytest.fixture
def life_world(db: Session) -> LifeWorld:
    make_insurer(db)
    for no in (A, B, C):
        make_person(db, no)
    org = make_org(db, "office", OFFICE, "試験デイサービス", ("15",))
    other = make_org(db, "office", "1310000045", "試験特養", ("54",))
    town = make_org(db, "municipality", INSURER_NO, "千代田区", insurer_no=INSURER_NO)
    office = life.office_system_actor(db, OFFICE, "テスト")
    for no in (A, B):
        access.record_consent(
            db, INSURER_NO, no, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        access.register_assignment(db, office, INSURER_NO, no, "15", "MYNUMBER_CARD")
    access.record_consent(db, INSURER_NO, C, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t")
    return LifeWorld(
        office,
        actor_for(org, "nurse", service_types=("15",)),
        actor_for(town, "municipal_staff"),
        actor_for(other, "care_worker", service_types=("54",)),
    )


def user_row(insured_no: str = A, **extra: str) -> dict[str, str]:
    row = {
        "care_facility_id": OFFICE,
        "service_code": "15",
        "external_system_management_number": f"U-{insured_no}",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "last_name": "試験",
        "first_name": "花子",
        "gender": "2",
        "birthday": "19400102",
        "care_level": "22",
        "care_period_end": "20991231",
    }
    row.update(extra)
    return row


BEST = {
    "barthel_index_meal": "2",
    "barthel_transfer": "3",
    "barthel_index_personal_hygiene_and_adjustment": "2",
    "barthel_index_toilet_activity": "2",
    "barthel_index_bathing": "2",
    "barthel_index_flat_ground_walking": "3",
    "barthel_index_stair_movement": "2",
    "barthel_index_changing_clothes": "2",
    "barthel_index_defecation_manage": "2",
    "barthel_index_urination_manage": "2",
}


def form_row(
    insured_no: str = A, number: str = "1", day: str = "20260401", **extra: str
) -> dict[str, str]:
    row = {
        "care_facility_id": OFFICE,
        "service_code": "15",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "external_system_management_number": f"A-{insured_no}-{number}",
        "facility_outpatient_category": "2",
        "evaluate_date": day,
        "height": "152.5",
        "weight": "48.0",
        **BEST,
    }
    row.update(extra)
    return row


def life_file(
    interface_id: str, rows: list[dict[str, str]], *, encoding: str = "utf-8", newline: str = "\r\n"
) -> bytes:
    text = formats.life_csv(interface_id, rows).replace("\r\n", newline)
    return text.encode(encoding)
