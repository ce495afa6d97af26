"""The portal's demo data: a plausible schedule (valid codes, the demo insurer live), vendors,
FAQ and an over-cap draft application with a receipt."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.ids import is_municipality_code
from kaigo_kiban.portal import service
from kaigo_kiban.portal import service_helpdesk as helpdesk
from kaigo_kiban.portal.models import ReadinessEntry, SubsidyApplication
from kaigo_kiban.registry import service as registry
from tests.factories import make_org


def test_seed_demo_builds_a_consistent_portal(db: Session) -> None:
    registry.upsert_insurer(db, "149993", "みなと架空市")
    city = make_org(db, "municipality", "149993", "みなと架空市 介護保険課", insurer_no="149993")
    office = make_org(db, "office", "1470000029", "架空ヘルパーステーションあおば", ("11",))
    counts = service.seed_demo(db, {"1": city, office.code: office})

    rows = db.scalars(select(ReadinessEntry)).all()
    assert 40 <= len(rows) == counts["readiness"] <= 50
    assert all(is_municipality_code(r.municipality_code) for r in rows)
    assert {r.status for r in rows} == {"LIVE", "SCHEDULED", "ARRANGING"}
    assert service.is_live(db, "149993", today_jst())
    assert service.not_live_notice(db, "149993", today_jst()) is None

    assert len(helpdesk.list_vendors(db)) == counts["vendors"] >= 3
    assert helpdesk.search_faq(db, "カードリーダー")

    [app] = db.scalars(select(SubsidyApplication)).all()
    assert app.status == "DRAFT" and app.organization_id == office.id
    assert app.grant_yen == 64_000 and app.eligible_cost_yen > app.grant_yen
    assert {r.code for r in service.stored_result(app).reasons} == {
        "PT-READER-LIMIT",
        "PT-CAP-APPLIED",
    }
    assert len(service.application_receipts(db, app)) == 1
