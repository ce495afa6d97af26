"""The subsidies' demo data: an over-cap draft application with a receipt."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.app.demo import subsidies as subsidies_demo
from kaigo_kiban.subsidies import service
from kaigo_kiban.subsidies.models import SubsidyApplication
from tests.factories import make_org


def test_seed_demo_drafts_an_over_cap_application_with_a_receipt(db: Session) -> None:
    office = make_org(db, "office", "1470000029", "架空ヘルパーステーションあおば", ("11",))
    counts = subsidies_demo.seed_demo(db, {office.code: office})

    [app] = db.scalars(select(SubsidyApplication)).all()
    assert counts["applications"] == 1
    assert app.status == "DRAFT" and app.organization_id == office.id
    assert app.grant_yen == 64_000 and app.eligible_cost_yen > app.grant_yen
    assert {r.code for r in service.stored_result(app).reasons} == {
        "PT-READER-LIMIT",
        "PT-CAP-APPLIED",
    }
    assert len(service.application_receipts(db, app)) == 1
