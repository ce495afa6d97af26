"""Identity fixtures: an insurer with insured persons, two offices and a municipality (synthetic)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import InsuredPerson
from tests.factories import actor_for, make_org

INSURER_NO = "131016"
PERSON_A = "0000000101"
PERSON_B = "0000000102"
ADDRESS = "東京都千代田区千代田一丁目1番1号"


def add_person(
    session: Session,
    insured_no: str,
    name_kanji: str,
    name_kana: str,
    *,
    birth_date: dt.date = dt.date(1945, 3, 15),
    sex: str = "1",
    address: str | None = ADDRESS,
    disqualified_on: dt.date | None = None,
) -> InsuredPerson:
    person = InsuredPerson(
        insurer_no=INSURER_NO,
        insured_no=insured_no,
        name_kanji=name_kanji,
        name_kana=name_kana,
        birth_date=birth_date,
        sex=sex,
        postal_code="100-0001",
        address=address,
        qualified_on=dt.date(2010, 3, 15),
        disqualified_on=disqualified_on,
        latest_history_no=1,
    )
    session.add(person)
    session.flush()
    return person


@dataclass
class World:
    office: Actor
    other_office: Actor
    municipality: Actor


@pytest.fixture
def world(db: Session) -> World:
    registry.upsert_insurer(db, INSURER_NO, "千代田区")
    add_person(db, PERSON_A, "山田 太郎", "ヤマダ タロウ")
    add_person(db, PERSON_B, "佐藤 次郎", "サトウ ジロウ", birth_date=dt.date(1940, 1, 2))
    office = make_org(db, "office", "1310100001", "千代田ケアプランセンター", ("43",))
    other = make_org(db, "office", "1310100002", "神田訪問介護", ("11",))
    town = make_org(db, "municipality", INSURER_NO, "千代田区介護保険課", insurer_no=INSURER_NO)
    return World(
        actor_for(office, "care_manager", service_types=("43",)),
        actor_for(other, "care_worker", service_types=("11",)),
        actor_for(town, "municipal_staff"),
    )
