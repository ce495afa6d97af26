"""第6表 files are checked against the limit of the care level on the person's 被保険者証."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.careplan import mailbox
from kaigo_kiban.careplan.limits import care_levels_in_month, grade_code
from kaigo_kiban.core.settings import Settings
from tests.careplan.exchange_world import (
    HEAVY,
    P1,
    P2,
    World,
    build_file,
    card_rows,
    make_world,
    usage_rows,
)
from tests.factories import INSURER_NO, grant_for, ingest, insurance_card_row, write_card_file

HEAVY_UNITS = 93 * 567  # 52,731


def test_over_limit_plan_reports_excess_units_and_yen_with_the_cards_level(world: World):
    name, data = build_file("UPPLAN", usage_rows(P1, HEAVY) + usage_rows(P2))
    result = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name)
    by_person = {r.insured_no: r for r in result.limits}
    over = by_person[P1]
    assert over.care_level == "21" and over.benefit_limit_units == 16_765  # 要介護1 on the card
    assert over.subject_units == HEAVY_UNITS
    assert over.excess_units == HEAVY_UNITS - 16_765
    # 1級地 (the insurer's area grade), 訪問介護 (人件費割合 70%): 10 × (1 + 0.20 × 0.70) = 11.40
    assert over.unit_price == Decimal("11.40") and over.area_grade == "1"
    assert over.excess_yen == (HEAVY_UNITS - 16_765) * 1140 // 100
    within = by_person[P2]
    assert (within.care_level, within.excess_units, within.over) == ("23", 0, False)
    assert [r.insured_no for r in result.over_limit] == [P1]
    # stored with the transfer, for the receiver's view
    stored = {p.insured_no: p for p in result.view.persons}
    assert (stored[P1].excess_units, stored[P1].excess_yen) == (over.excess_units, over.excess_yen)
    assert result.view.over_limit == [stored[P1]]


def test_a_mid_month_level_change_uses_the_higher_limit(world: World, tmp_path: Path):
    change = insurance_card_row(
        P1,
        history_no="2",
        care_level="23",
        change_date="20250515",
        valid_from="20250515",
        cert_valid_from="20250515",
        cert_valid_to="20260331",
    )
    report = ingest(world.db, write_card_file(tmp_path, "insurance_card", [change]), world.settings)
    assert report.status == "committed", report
    assert care_levels_in_month(
        world.db, grant_for(INSURER_NO, P1, "insurance_card"), "202505"
    ) == ["21", "23"]
    assert care_levels_in_month(
        world.db, grant_for(INSURER_NO, P1, "insurance_card"), "202506"
    ) == ["23"]
    name, data = build_file("UPPLAN", usage_rows(P1, HEAVY))
    [limit] = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name).limits
    assert (limit.care_level, limit.benefit_limit_units) == ("23", 27_048)
    assert limit.excess_units == HEAVY_UNITS - 27_048


def test_a_month_outside_the_certification_gets_a_note_and_no_check(world: World):
    rows = usage_rows(P1, month="202604")
    name, data = build_file("UPPLAN", rows, month="202604")
    [limit] = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name).limits
    assert limit.care_level is None and limit.excess_units is None and not limit.over
    assert "要介護状態区分" in (limit.note or "")


def test_other_area_grade_prices_the_excess_at_ten_yen(
    db: Session, settings: Settings, tmp_path: Path
):
    w = make_world(db, settings, tmp_path, area_grade="99")
    name, data = build_file("UPPLAN", usage_rows(P1, HEAVY))
    [limit] = mailbox.send_file(w.db, w.settings, w.cm_actor, data, name).limits
    assert (limit.area_grade, limit.unit_price) == ("other", Decimal("10.00"))
    assert limit.excess_yen == (HEAVY_UNITS - 16_765) * 10


def test_a_level_without_a_limit_gives_no_check(world: World, tmp_path: Path):
    [row] = card_rows(**{P2: "06"})  # 事業対象者
    report = ingest(
        world.db,
        write_card_file(tmp_path, "insurance_card", [{**row, "history_no": "2"}]),
        world.settings,
    )
    assert report.status == "committed", report
    name, data = build_file("UPPLAN", usage_rows(P2))
    [limit] = mailbox.send_file(world.db, world.settings, world.cm_actor, data, name).limits
    assert limit.care_level is None and limit.note


@pytest.mark.parametrize(
    ("raw", "grade"),
    [
        ("01", "1"),
        ("03", "3"),
        ("07", "7"),
        ("1", "1"),
        ("99", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_insurer_area_grade_codes_map_to_the_rule_grades(raw: str | None, grade: str):
    assert grade_code(raw) == grade
