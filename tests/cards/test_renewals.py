"""The 更新申請 reminder: persons whose 認定有効期間 ends within 60 days, on the office's and the
municipality's home pages, each listed through the gate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.factories import (
    INSURER_NO,
    actor_for,
    grant_for,
    ingest,
    insurance_card_row,
    write_card_file,
)
from tests.webapp import build_app


def _row(insured_no: str, ends_in: int, **extra: str) -> dict[str, str]:
    today = today_jst()
    return insurance_card_row(
        insured_no,
        name_kanji=f"試験 {insured_no[-2:]}",
        cert_valid_from=(today - dt.timedelta(days=300)).strftime("%Y%m%d"),
        cert_valid_to=(today + dt.timedelta(days=ends_in)).strftime("%Y%m%d"),
        **extra,
    )


def test_renewals_due_are_those_ending_within_60_days_not_yet_applied_for(
    db, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_insurer

    make_insurer(db)
    rows = [
        _row("0000000001", 30),
        _row("0000000002", 90),
        _row("0000000003", 10, application_status="2"),  # 更新申請中: already applied for
        _row("0000000004", 0),
        _row("0000000005", 60),
        _row("0000000006", -1),  # ended yesterday: no longer a reminder
    ]
    ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    grants = [grant_for(INSURER_NO, r["insured_no"], "insurance_card") for r in rows]
    due = cards.renewals_due(db, grants, today_jst())
    assert [(r.insured_no, r.days_left) for r in due] == [
        ("0000000004", 0),
        ("0000000001", 30),
        ("0000000005", 60),
    ]


def test_the_office_home_and_the_municipal_renewals_page_list_them(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'h.db'}", tmp_path)
    rows = [_row("0000000001", 20), _row("0000000002", 45), _row("0000000003", 200)]
    with unit_of_work(harness.sessions()) as db:
        ingest(db, write_card_file(tmp_path, "insurance_card", rows), harness.settings)
        org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        office = actor_for(org, "care_manager", service_types=("43",))
        for n in ("0000000001", "0000000003"):
            access.record_consent(
                db, INSURER_NO, n, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
            )
            access.register_assignment(db, office, INSURER_NO, n, "43", "MYNUMBER_CARD")
    office_home = harness.client.get("/", headers=harness.headers("cm")).text
    section = office_home[office_home.find("h-renewals") :]
    assert "0000000001" in section and "あと 20 日" in section
    assert "0000000002" not in section  # not this office's person
    assert "0000000003" not in section  # ends in 200 days
    city_home = harness.client.get("/", headers=harness.headers("city")).text
    assert "/municipal/renewals" in city_home and "h-renewals" not in city_home
    city_page = harness.client.get("/municipal/renewals", headers=harness.headers("city")).text
    section = city_page[city_page.find("h-renewals") :]
    assert "0000000001" in section and "0000000002" in section and "あと 45 日" in section
    assert "0000000003" not in section
