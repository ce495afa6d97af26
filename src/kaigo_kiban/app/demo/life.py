"""Demo data of LIFE: a day-service office sends 利用者情報 and six monthly 科学的介護推進情報
for about thirty synthetic persons, through the real intake (and the real gate: the office
is registered as their assigned office first)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.app.demo.municipality import open_as_municipality
from kaigo_kiban.app.demo.person import demo_insurer, demo_persons
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import formats, rules, service
from kaigo_kiban.registry.models import InsuredPerson, Organization

LIFE_OFFICE = "1470000037"  # the demo's デイサービス (通所介護 15)
SERVICE_CODE = "15"
LIFE_LEVELS = {"12", "13", "21", "22", "23", "24", "25"}


def _persons(
    session: Session, settings: Settings, orgs_by_code: dict[str, Organization], count: int
) -> list[tuple[InsuredPerson, str]]:
    """The demo persons first, then others with consent and a care level, up to ``count``."""
    insurer_no = demo_insurer(orgs_by_code)
    today = today_jst()
    chosen: list[tuple[InsuredPerson, str]] = []
    seen: set[str] = set()
    candidates = [*demo_persons(session, orgs_by_code, 5)]
    candidates += list(
        session.scalars(
            select(InsuredPerson)
            .where(InsuredPerson.insurer_no == insurer_no, InsuredPerson.disqualified_on.is_(None))
            .order_by(InsuredPerson.insured_no)
        )
    )
    for person in candidates:
        if person.insured_no in seen:
            continue
        seen.add(person.insured_no)
        if access.consent_state(session, insurer_no, person.insured_no, today) != "given":
            continue
        grant = open_as_municipality(
            session, settings, insurer_no, person.insured_no, "insurance_card"
        )
        card = cards.find_card_valid_on(session, grant, "insurance_card", today)
        if card is None or card.care_level not in LIFE_LEVELS:
            continue
        chosen.append((person, card.care_level))
        if len(chosen) == count:
            break
    return chosen


def _items(rng: random.Random, ability: float) -> dict[str, str]:
    """Item codes of one assessment for an ability between 0 and 1 (with some noise)."""
    items: dict[str, str] = {}
    for name, points in rules.BARTHEL_POINTS.items():
        top = len(points) - 1
        level = round(min(1.0, max(0.0, ability + rng.uniform(-0.12, 0.12))) * top)
        items[name] = str(level)
    for name in rules.DBD13_ITEMS:
        items[name] = str(min(4, max(0, round((1 - ability) * 2.5 + rng.uniform(-1, 1)))))
    for name in rules.VITALITY_ITEMS:
        items[name] = str(min(2, max(0, round(ability * 2 + rng.uniform(-0.6, 0.6)))))
    return items


def seed_demo(
    session: Session,
    settings: Settings,
    orgs_by_code: dict[str, Organization],
    out_dir: Path,
    *,
    persons: int = 30,
    months: int = 6,
    seed_value: int = 11,
) -> dict[str, int]:
    """LIFE files for ``persons`` persons with ``months`` monthly assessments each."""
    rng = random.Random(seed_value)
    insurer_no = demo_insurer(orgs_by_code)
    office = orgs_by_code[LIFE_OFFICE]
    actor = service.office_system_actor(session, LIFE_OFFICE, "デモ")
    chosen = _persons(session, settings, orgs_by_code, persons)
    today = today_jst()
    users: list[dict[str, str]] = []
    forms: list[dict[str, str]] = []
    ymd = "%Y%m%d"
    level_base = {"12": 0.85, "13": 0.8, "21": 0.7, "22": 0.6, "23": 0.45, "24": 0.3, "25": 0.15}
    assigned = set(access.open_assignments(session, office.id))
    for person, level in chosen:
        if (person.insurer_no, person.insured_no) not in assigned:
            access.register_assignment(
                session, actor, insurer_no, person.insured_no, SERVICE_CODE, "MYNUMBER_CARD"
            )
        last, _, first = (person.name_kanji or person.name_kana).partition(" ")
        users.append(
            {
                "care_facility_id": LIFE_OFFICE,
                "service_code": SERVICE_CODE,
                "external_system_management_number": f"U-{person.insured_no}",
                "insurer_no": insurer_no,
                "insured_no": person.insured_no,
                "last_name": last,
                "first_name": first or "00",
                "gender": person.sex,
                "birthday": person.birth_date.strftime(ymd),
                "care_level": level,
                "start_date": (today - dt.timedelta(days=30 * months + 20)).strftime(ymd),
            }
        )
        ability = level_base[level] + rng.uniform(-0.1, 0.1)
        drift = rng.uniform(-0.04, 0.03)
        height = rng.uniform(145, 170)
        weight = rng.uniform(40, 65)
        for m in range(months):
            day = today - dt.timedelta(days=30 * (months - 1 - m) + 3)
            row = {
                "care_facility_id": LIFE_OFFICE,
                "service_code": SERVICE_CODE,
                "insurer_no": insurer_no,
                "insured_no": person.insured_no,
                "external_system_management_number": f"A-{person.insured_no}-{m + 1}",
                "facility_outpatient_category": "2",
                "evaluate_date": day.strftime(ymd),
                "adl_evaluate": day.strftime(ymd),
                "nutrition_evalaute_date": day.strftime(ymd),
                "height": f"{height:.1f}",
                "weight": f"{weight + rng.uniform(-1.5, 1.0) * m / 2:.1f}",
                **_items(rng, ability + drift * m),
            }
            forms.append(row)
    counts: dict[str, int] = {"life_persons": len(users), "life_assessments": len(forms)}
    for interface_id, rows in ((formats.USER_INFO, users), (formats.FORM_0000, forms)):
        if not rows:
            continue
        name = f"{interface_id}_{LIFE_OFFICE}.csv"
        path = out_dir / name
        path.write_text(formats.life_csv(interface_id, rows), encoding="utf-8")
        service.ingest_life_file(session, settings, actor, path.read_bytes(), name)
    return counts
