"""An app with a municipality, two offices and persons assigned to the care-management office."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from kaigo_kiban.access import service as access
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.factories import INSURER_NO, actor_for, make_person
from tests.webapp import AppHarness, build_app

KANA = ["アオキ ハナ", "イノウエ ジロウ", "ウエダ サチコ", "エンドウ イサム", "オガワ トモ"]


def build_world(tmp: Path, persons: int = 1) -> AppHarness:
    """``persons`` synthetic persons (0000000001…), each with consent and assigned to "cm"."""
    harness = build_app(f"sqlite:///{tmp / 'w.db'}", tmp)
    with unit_of_work(harness.sessions()) as db:
        cm_org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        cm = actor_for(cm_org, "care_manager", service_types=("43",))
        for n in range(1, persons + 1):
            insured_no = f"{n:010d}"
            make_person(db, insured_no, name_kana=KANA[(n - 1) % len(KANA)])
            access.record_consent(
                db, INSURER_NO, insured_no, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
            )
            access.register_assignment(db, cm, INSURER_NO, insured_no, "43", "MYNUMBER_CARD")
    return harness


def audit_count(harness: AppHarness) -> int:
    with unit_of_work(harness.sessions()) as db:
        return db.scalar(select(func.count()).select_from(AuditEvent)) or 0
