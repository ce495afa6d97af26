"""Allowances that follow the person: the 住宅改修 allowance of the home they live in now (the
被保険者証's address, whose history follows a 転居), and the 同一種目 rule of 福祉用具購入."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaigo_kiban.benefits import rules, service
from kaigo_kiban.benefits.formats import EQUIPMENT_PURCHASE, HOME_MODIFICATION
from kaigo_kiban.core.settings import Settings
from tests.benefits.test_usage_intake import A, equipment, home
from tests.factories import (
    INSURER_NO,
    actor_for,
    ingest,
    insurance_card_row,
    make_insurer,
    make_org,
    write_card_file,
    write_rows_file,
)

D = dt.date


def test_a_second_purchase_of_the_same_item_in_a_year_is_flagged() -> None:
    walker = rules.UsageRecord(D(2026, 5, 1), 20_000, item_code="08")
    again = rules.UsageRecord(D(2026, 9, 1), 20_000, item_code="08")
    other = rules.UsageRecord(D(2026, 9, 1), 20_000, item_code="04")
    next_year = rules.UsageRecord(D(2027, 4, 1), 20_000, item_code="08")
    codes = lambda r: [n.code for n in r.notes]  # noqa: E731
    assert codes(rules.check_equipment_purchase([walker], again)) == ["BN-SAME-ITEM"]
    assert codes(rules.check_equipment_purchase([walker], other)) == []
    assert codes(rules.check_equipment_purchase([walker], next_year)) == []


def test_the_same_item_flag_reaches_the_record(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row(A)]), settings)
    rows = [
        equipment("EP1", "20260501", 20_000, item_code="08"),
        equipment("EP2", "20260901", 20_000, item_code="08"),
    ]
    assert ingest(db, write_rows_file(tmp_path, EQUIPMENT_PURCHASE, rows), settings).status == (
        "committed"
    )
    city = actor_for(
        make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO), "municipal_staff"
    )
    summary = service.usage_summary(db, settings, city, INSURER_NO, A, as_of=D(2026, 10, 1))
    lines = {r.record_no: r.note for r in summary.kinds["equipment_purchase"].records}
    assert lines["EP1"] is None and "同じ種目" in lines["EP2"]


def test_after_a_move_the_new_home_has_the_whole_allowance(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    """150,000円 used at the old address; the card shows a new address from 2026-01-01: the
    allowance today is the new home's 200,000円, and the old home's remainder on the day before."""
    make_insurer(db)
    old = insurance_card_row(A, address="東京都千代田区千代田一丁目1-1", valid_from="20240401")
    moved = insurance_card_row(
        A,
        history_no="2",
        change_kind="2",
        change_reason="99",
        address="東京都千代田区神田二丁目2-2",
        valid_from="20260101",
    )
    ingest(db, write_card_file(tmp_path, "insurance_card", [old, moved]), settings)
    # The municipality kept one 住居識別番号 for the person: the card's address tells the move.
    ingest(
        db,
        write_rows_file(tmp_path, HOME_MODIFICATION, [home("HM1", "20250601", 150_000)]),
        settings,
    )
    city = actor_for(
        make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO), "municipal_staff"
    )
    before = service.usage_summary(db, settings, city, INSURER_NO, A, as_of=D(2025, 12, 31))
    after = service.usage_summary(db, settings, city, INSURER_NO, A, as_of=D(2026, 2, 1))
    assert before.kinds["home_modification"].remaining_yen == 50_000
    assert after.kinds["home_modification"].remaining_yen == 200_000
