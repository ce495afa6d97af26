"""``GET /api/v1/insured/{insured_no}/usage`` for offices, municipalities and the person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.benefits.formats import EQUIPMENT_PURCHASE, HOME_MODIFICATION
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.benefits.test_usage_intake import equipment, home
from tests.factories import INSURER_NO, actor_for, ingest, make_person, write_rows_file
from tests.person.conftest import web_sign_in
from tests.webapp import build_app

A = "0000000201"


def test_usage_json_for_office_municipality_and_person(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'u.db'}", tmp_path, demo_mode=True)
    settings = harness.settings
    with unit_of_work(harness.sessions()) as db:
        make_person(db, A)
        today = dt.date.today()
        used = (today - dt.timedelta(days=3)).strftime("%Y%m%d")
        ingest(
            db,
            write_rows_file(
                tmp_path, HOME_MODIFICATION, [home("H1", used, 150_000), home("H2", used, 90_000)]
            ),
            settings,
        )
        ingest(
            db,
            write_rows_file(tmp_path, EQUIPMENT_PURCHASE, [equipment("E1", used, 30_000)]),
            settings,
        )
        access.record_consent(
            db, INSURER_NO, A, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        cm = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        access.register_assignment(
            db,
            actor_for(cm, "care_manager", service_types=("43",)),
            INSURER_NO,
            A,
            "43",
            "MYNUMBER_CARD",
        )
        card = demo_cards.issue_demo_card(db, settings, INSURER_NO, A)
    url = f"/api/v1/insured/{A}/usage?insurer_no={INSURER_NO}"
    body = harness.client.get(url, headers=harness.headers("cm")).json()
    hm = body["home_modification"]
    assert (hm["allowance_yen"], hm["used_yen"], hm["remaining_yen"], hm["over_yen"]) == (
        200_000,
        240_000,
        0,
        40_000,
    )
    assert [r["exceeds"] for r in hm["records"]] == [True, False]
    assert body["equipment_purchase"]["remaining_yen"] == 70_000
    denied = harness.client.get(url, headers=harness.headers("helper"))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "ACCESS-NO-ASSIGNMENT"
    city = harness.client.get(f"/api/v1/insured/{A}/usage", headers=harness.headers("city"))
    assert city.status_code == 200
    assert harness.client.get(f"/api/v1/insured/{A}/usage").status_code == 401
    web_sign_in(harness.client, card)
    mine = harness.client.get(f"/api/v1/insured/{A}/usage")
    assert mine.status_code == 200 and mine.json()["home_modification"]["over_yen"] == 40_000
    other = harness.client.get("/api/v1/insured/0000000999/usage")
    assert other.status_code == 403
