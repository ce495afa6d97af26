"""What a care office needs from the 被保険者証: 申請中 (and the 暫定 use), 給付制限, 住所地特例 and
what the platform has reflected — in the API and on the page."""

from __future__ import annotations

from pathlib import Path

from kaigo_kiban.core.database import unit_of_work
from tests.factories import INSURER_NO, ingest, insurance_card_row, write_card_file
from tests.webapp import build_app


def test_the_card_shows_pending_application_benefit_restriction_and_address_exception(
    tmp_path: Path,
) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'v.db'}", tmp_path)
    row = insurance_card_row(
        application_kind="3",
        application_status="2",
        applied_on="20240901",
        benefit_cut_from="20240701",
        benefit_cut_to="20250630",
        address_exception="2",
        facility_insurer_no="271004",
    )
    with unit_of_work(harness.sessions()) as db:
        assert (
            ingest(db, write_card_file(tmp_path, "insurance_card", [row]), harness.settings).status
            == "committed"
        )
    answer = harness.client.get(
        "/api/v1/insured/0000000001/cards",
        params={"insurer_no": INSURER_NO, "as_of": "2024-10-01"},
        headers=harness.headers("city"),
    )
    assert answer.status_code == 200, answer.text
    card = answer.json()["insurance_card"]["current"]
    assert (card["application_kind"], card["application_status"], card["applied_on"]) == (
        "3",
        "2",
        "2024-09-01",
    )
    assert (card["benefit_cut_from"], card["benefit_cut_to"]) == ("2024-07-01", "2025-06-30")
    assert (card["address_exception"], card["facility_insurer_no"]) == ("2", "271004")
    assert card["platform_facts"] == []
    page = harness.client.get(
        "/municipal/persons/0000000001",
        params={"as_of": "2024-10-01"},
        headers=harness.headers("city"),
    )
    assert page.status_code == 200
    text = page.text
    assert "区分変更申請中" in text and "暫定のケアプラン" in text
    assert "給付率引下げ" in text and "住所地特例" in text and "271004" in text
