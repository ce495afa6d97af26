"""The readiness schedule's demo data: a plausible schedule (valid codes, the demo insurer live)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.app.demo import readiness as readiness_demo
from kaigo_kiban.app.demo.builder import DEMO_OPERATOR
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.ids import is_municipality_code
from kaigo_kiban.readiness import service as readiness
from kaigo_kiban.readiness.models import ReadinessEntry
from kaigo_kiban.registry import service as registry
from tests.factories import make_org


def test_seed_demo_builds_a_consistent_schedule(db: Session) -> None:
    registry.upsert_insurer(db, "149993", "みなと架空市")
    city = make_org(db, "municipality", "149993", "みなと架空市 介護保険課", insurer_no="149993")
    counts = readiness_demo.seed_demo(db, DEMO_OPERATOR, {"1": city})

    rows = db.scalars(select(ReadinessEntry)).all()
    assert 40 <= len(rows) == counts["readiness"] <= 50
    assert all(is_municipality_code(r.municipality_code) for r in rows)
    assert {r.status for r in rows} == {"LIVE", "SCHEDULED", "ARRANGING"}
    assert readiness.is_live(db, "149993", today_jst())
    assert readiness.not_live_notice(db, "149993", today_jst()) is None
