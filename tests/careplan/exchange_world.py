"""A small synthetic world for the care-plan exchange tests: an insurer, three offices,
four insured persons with cards, consents and assignments, and file builders.

Offices: CM 1310000011 (43 居宅介護支援), HELPER 1310000029 (11 訪問介護), OTHER 1310000037
(11, assigned to nobody). Persons P1/P2 are assigned to CM and HELPER, P3 to CM only, P4 to
nobody. Cards: P1 要介護1, P2 要介護3, P3 要介護2, P4 要介護1, valid from 2025-04-01.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import build_careplan
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry import service as registry
from tests.factories import (
    INSURER_NO,
    actor_for,
    ingest,
    insurance_card_row,
    make_org,
    write_card_file,
)

CM, HELPER, OTHER = "1310000011", "1310000029", "1310000037"
P1, P2, P3, P4 = "0000000001", "0000000002", "0000000003", "0000000004"
MONTH = "202505"
STAMP = "20250425120000"
LEVELS = {P1: "21", P2: "23", P3: "22", P4: "21"}
#: 身体介護２ (387 units) on days 1–9: 3,483 units — within every limit.
LIGHT = (("111211", "1000", "1045", range(1, 10)),)
#: 身体介護３ (567 units) three times a day, every day of May: 93 × 567 = 52,731 units.
HEAVY = tuple(
    ("111311", start, end, range(1, 32))
    for start, end in (("0800", "0900"), ("1200", "1300"), ("1800", "1900"))
)


@dataclass
class World:
    db: Session
    settings: Settings
    cm: Any
    helper: Any
    other: Any
    cm_actor: Any
    helper_actor: Any
    other_actor: Any


def card_rows(**levels: str) -> list[dict[str, str]]:
    return [
        insurance_card_row(
            insured_no,
            care_level=level,
            change_date="20250401",
            valid_from="20250401",
            cert_valid_from="20250401",
            cert_valid_to="20260331",
        )
        for insured_no, level in levels.items()
    ]


def make_world(db: Session, settings: Settings, tmp: Path, *, area_grade: str = "01") -> World:
    """Insurer (1級地 by default), offices, persons with cards, consents and assignments."""
    registry.upsert_insurer(db, INSURER_NO, "千代田区", area_grade=area_grade)
    cm = make_org(db, "office", CM, "試験居宅介護支援", ("43",))
    helper = make_org(db, "office", HELPER, "試験訪問介護", ("11",))
    other = make_org(db, "office", OTHER, "別の訪問介護", ("11",))
    report = ingest(
        db,
        write_card_file(tmp, "insurance_card", card_rows(**LEVELS)),
        settings,
    )
    assert report.status == "committed", report
    for p in LEVELS:
        access.record_consent(
            db, INSURER_NO, p, "MUNICIPALITY_APPLICATION", dt.date(2025, 4, 1), "test"
        )
    world = World(
        db,
        settings,
        cm,
        helper,
        other,
        actor_for(cm, "care_manager", service_types=("43",)),
        actor_for(helper, "care_worker", service_types=("11",)),
        actor_for(other, "care_worker", service_types=("11",)),
    )
    for p in (P1, P2, P3):
        access.register_assignment(db, world.cm_actor, INSURER_NO, p, "43", "MYNUMBER_CARD")
    for p in (P1, P2):
        access.register_assignment(db, world.helper_actor, INSURER_NO, p, "11", "MYNUMBER_CARD")
    return world


def usage_rows(
    insured_no: str,
    visits: tuple[tuple[str, str, str, range], ...] = LIGHT,
    *,
    month: str = MONTH,
    sender: str = CM,
    provider: str = HELPER,
    insurer_no: str = INSURER_NO,
) -> list[dict[str, str]]:
    """第6表 rows: one row per visit (date and time) of each service."""
    units = {"111211": "387", "111311": "567"}
    return [
        {
            "csv_version": "202407",
            "insurer_no": insurer_no,
            "insured_no": insured_no,
            "created_on": "20250425",
            "target_month": month,
            "plan_office_no": CM,
            "plan_manager_name": "計画 花子",
            "units": units.get(code, ""),
            "service_date": f"{month}{day:02d}",
            "start_time": start,
            "end_time": end,
            "service_count": "1",
            "service_code": code,
            "provider_office_no": provider,
            "provider_office_name": "試験訪問介護",
            "over_30_days": "0",
            "updater_office_no": sender,
        }
        for code, start, end, days in visits
        for day in days
    ]


def plan1_row(insured_no: str, plan_date: str = "20250401", **changes: str) -> dict[str, str]:
    """A 第1表 row."""
    return {
        "csv_version": "202407",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "created_on": plan_date,
        "plan_author_name": "計画 花子",
        "care_mgmt_office_name": "試験居宅介護支援",
        "care_mgmt_office_no": CM,
        "plan_date": plan_date,
        "first_plan_date": "20240401",
        "plan_kind": "21",
        "care_level": LEVELS.get(insured_no, "21"),
        "assessment_result": "自宅で入浴したい。\n転倒が心配。",
        "panel_opinion": "特になし",
        "overall_policy": "安心して在宅生活を続けられるよう支援します。",
        "living_support_reason": "1",
        "updater_office_no": CM,
        **changes,
    }


def plan2_row(insured_no: str, plan_date: str = "20250401", **changes: str) -> dict[str, str]:
    """A 第2表 row."""
    return {
        "csv_version": "202407",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "created_on": plan_date,
        "plan_date": plan_date,
        "issue_no": "1",
        "issue": "入浴が一人では難しい",
        "goal_no": "1",
        "long_term_goal": "自宅で入浴を続ける",
        "short_term_goal": "週2回入浴する",
        "support_no": "1",
        "service_content": "入浴介助",
        "insurance_flag": "Y",
        "service_kind": "訪問介護",
        "provider_office_no": HELPER,
        "provider_office_name": "試験訪問介護",
        "frequency": "週2回",
        "updater_office_no": CM,
        **changes,
    }


def build_file(
    record_type: str,
    rows: list[dict[str, str]],
    *,
    stamp: str = STAMP,
    month: str | None = MONTH,
    sender: str = CM,
    sender_type: str = "43",
    receiver: str = HELPER,
    receiver_type: str = "11",
    check: bool = True,
) -> tuple[str, bytes]:
    """(file name, bytes) of a new file; asserted valid unless ``check`` is False."""
    name = FileName(
        record_type=record_type,
        sender_office_no=sender,
        receiver_office_no=receiver,
        created_at=stamp,
        target_month=month,
        sender_service_type=sender_type,
        receiver_service_type=receiver_type,
    )
    built = build_careplan(record_type, rows, name)
    if check:
        assert built.errors == [], built.errors
    return str(name), built.to_bytes()
