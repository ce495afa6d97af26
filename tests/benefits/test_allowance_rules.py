"""住宅改修 (200,000 円 per residence, resets) and 福祉用具購入 (100,000 円 per fiscal year)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.benefits.rules import (
    EQUIPMENT_PURCHASE_ALLOWANCE_YEN,
    HOME_MODIFICATION_ALLOWANCE_YEN,
    UsageRecord,
    care_step,
    check_equipment_purchase,
    check_home_modification,
    equipment_purchase_status,
    fiscal_year,
    home_modification_status,
)
from kaigo_kiban.certification.cases.rules import CareLevel
from kaigo_kiban.core.errors import InvalidInput

D = dt.date


def codes(result):
    return [n.code for n in result.notes]


# --- fiscal year ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (D(2026, 3, 31), 2025),
        (D(2026, 4, 1), 2026),
        (D(2026, 12, 31), 2026),
        (D(2027, 1, 1), 2026),
        (D(2027, 3, 31), 2026),
    ],
)
def test_fiscal_year_starts_in_april(day, year):
    assert fiscal_year(day) == year


# --- 福祉用具購入 ----------------------------------------------------------------------------


def buy(day: dt.date, cost: int) -> UsageRecord:
    return UsageRecord(day, cost, paid_yen=cost * 9 // 10)


def test_purchases_on_either_side_of_april_first_use_different_years():
    history = [buy(D(2026, 3, 31), 80_000)]
    result = check_equipment_purchase(history, buy(D(2026, 4, 1), 80_000))
    assert (result.period, result.used_yen, result.remaining_yen, result.exceeds) == (
        "2026年度",
        0,
        100_000,
        False,
    )
    same_year = check_equipment_purchase(history, buy(D(2026, 3, 31), 30_000))
    assert (same_year.period, same_year.used_yen, same_year.exceeds) == ("2025年度", 80_000, True)


def test_purchase_reaching_the_allowance_exactly_is_within_it():
    result = check_equipment_purchase([buy(D(2026, 5, 1), 60_000)], buy(D(2026, 6, 1), 40_000))
    assert (result.exceeds, result.excess_yen, result.remaining_after_yen) == (False, 0, 0)
    assert result.notes == ()


def test_purchase_one_yen_over_is_accepted_but_flagged():
    result = check_equipment_purchase([buy(D(2026, 5, 1), 60_000)], buy(D(2026, 6, 1), 40_001))
    assert (result.exceeds, result.excess_yen, result.used_after_yen) == (True, 1, 100_001)
    assert codes(result) == ["BN-OVER-ALLOWANCE"]
    assert "市町村" in result.notes[0].message


def test_equipment_status_for_a_year():
    history = [buy(D(2026, 4, 1), 10_000), buy(D(2027, 3, 31), 20_000), buy(D(2027, 4, 1), 5)]
    status = equipment_purchase_status(history, 2026)
    assert (status.allowance_yen, status.used_yen, status.remaining_yen) == (
        100_000,
        30_000,
        70_000,
    )
    assert equipment_purchase_status(history, 2026, on=D(2026, 12, 31)).used_yen == 10_000


def test_history_already_over_is_noted():
    history = [buy(D(2026, 5, 1), 120_000)]
    result = check_equipment_purchase(history, buy(D(2026, 6, 1), 1))
    assert (result.remaining_yen, result.excess_yen) == (0, 1)
    assert codes(result) == ["BN-ALREADY-OVER", "BN-OVER-ALLOWANCE"]


# --- 住宅改修 --------------------------------------------------------------------------------

HOME, OTHER, THIRD = "R-001", "R-002", "R-003"


def mod(day: dt.date, cost: int, level: str | None = "12", residence: str = HOME) -> UsageRecord:
    return UsageRecord(day, cost, paid_yen=cost * 9 // 10, residence_id=residence, care_level=level)


@pytest.mark.parametrize(
    ("code", "step"),
    [("12", 1), ("13", 2), ("21", 2), ("11", 2), ("22", 3), ("23", 4), ("24", 5), ("25", 6)],
)
def test_care_steps_put_support_2_and_care_1_on_one_rung(code, step):
    assert care_step(code) == step


def test_levels_without_a_step():
    assert care_step(None) is None
    assert care_step(CareLevel.NOT_ELIGIBLE) is None
    assert care_step(CareLevel.PROGRAM_ELIGIBLE) is None
    assert care_step(CareLevel.CARE_3) == 4
    with pytest.raises(InvalidInput):
        care_step("99")


def test_modification_up_to_the_allowance_and_one_yen_over():
    history = [mod(D(2025, 6, 1), 150_000)]
    exact = check_home_modification(history, mod(D(2026, 1, 10), 50_000))
    assert (exact.used_yen, exact.remaining_yen, exact.exceeds) == (150_000, 50_000, False)
    over = check_home_modification(history, mod(D(2026, 1, 10), 50_001))
    assert (over.exceeds, over.excess_yen) == (True, 1)
    assert codes(over) == ["BN-OVER-ALLOWANCE"]


def test_allowance_spans_fiscal_years():
    history = [mod(D(2020, 6, 1), 120_000)]
    result = home_modification_status(history, residence_id=HOME, care_level="12", on=D(2026, 6, 1))
    assert (result.used_yen, result.remaining_yen) == (120_000, 80_000)


@pytest.mark.parametrize(
    ("first", "now", "reset"),
    [
        ("12", "22", False),  # 要支援1 → 要介護2: 2 steps
        ("12", "23", True),  # 要支援1 → 要介護3: 3 steps
        ("13", "23", False),  # 要支援2 → 要介護3: 2 steps
        ("21", "23", False),  # 要介護1 → 要介護3: 2 steps (要介護1 is on 要支援2's rung)
        ("13", "24", True),
        ("21", "24", True),
        ("22", "25", True),
        ("12", "13", False),
    ],
)
def test_three_step_rise_resets_the_allowance(first, now, reset):
    history = [mod(D(2025, 6, 1), 200_000, first)]
    result = check_home_modification(history, mod(D(2026, 6, 1), 100_000, now))
    assert result.exceeds is not reset
    assert result.used_yen == (0 if reset else 200_000)
    assert ("BN-RESET-LEVEL" in codes(result)) is reset


def test_reset_is_compared_with_the_first_modification_not_the_latest():
    history = [mod(D(2024, 6, 1), 50_000, "12"), mod(D(2025, 6, 1), 50_000, "22")]
    result = check_home_modification(history, mod(D(2026, 6, 1), 10_000, "23"))
    assert result.used_yen == 0
    assert "BN-RESET-LEVEL" in codes(result)


def test_level_reset_is_used_only_once_per_residence():
    history = [
        mod(D(2024, 6, 1), 200_000, "12"),
        mod(D(2025, 6, 1), 150_000, "23"),  # reset here
    ]
    later = check_home_modification(history, mod(D(2026, 6, 1), 100_000, "25"))
    assert (later.used_yen, later.remaining_yen, later.excess_yen) == (150_000, 50_000, 50_000)
    assert codes(later) == ["BN-RESET-USED", "BN-OVER-ALLOWANCE"]
    assert later.period == "住居 R-001（3段階リセット後）"


def test_remaining_allowance_before_a_reset_lapses():
    history = [mod(D(2024, 6, 1), 20_000, "12"), mod(D(2025, 6, 1), 190_000, "23")]
    status = home_modification_status(history, residence_id=HOME, care_level="23", on=D(2026, 1, 1))
    assert (status.used_yen, status.remaining_yen) == (190_000, 10_000)


def test_move_opens_a_new_allowance():
    history = [mod(D(2024, 6, 1), 200_000)]
    result = check_home_modification(history, mod(D(2026, 6, 1), 200_000, residence=OTHER))
    assert (result.used_yen, result.exceeds) == (0, False)
    assert codes(result) == ["BN-RESET-MOVE"]


def test_residences_keep_separate_ledgers_and_a_return_resumes_the_old_one():
    history = [
        mod(D(2023, 6, 1), 120_000, residence=HOME),
        mod(D(2024, 6, 1), 180_000, residence=OTHER),
        mod(D(2025, 6, 1), 30_000, residence=THIRD),
    ]
    back = check_home_modification(history, mod(D(2026, 6, 1), 90_000, residence=HOME))
    assert (back.used_yen, back.remaining_yen, back.excess_yen) == (120_000, 80_000, 10_000)
    assert codes(back) == ["BN-RETURN", "BN-OVER-ALLOWANCE"]
    other = home_modification_status(history, residence_id=OTHER, care_level="12", on=D(2026, 1, 1))
    assert other.used_yen == 180_000


def test_move_does_not_carry_a_used_level_reset():
    history = [mod(D(2023, 6, 1), 200_000, "12"), mod(D(2024, 6, 1), 200_000, "23")]
    moved = [*history, mod(D(2025, 6, 1), 100_000, "23", residence=OTHER)]
    result = check_home_modification(moved, mod(D(2026, 6, 1), 10_000, "23", residence=OTHER))
    assert (result.used_yen, result.remaining_yen) == (100_000, 100_000)
    assert result.notes == ()


def test_unknown_level_cannot_trigger_a_reset_and_says_so():
    history = [mod(D(2024, 6, 1), 200_000, None)]
    result = check_home_modification(history, mod(D(2026, 6, 1), 1, "25"))
    assert result.exceeds
    assert codes(result)[0] == "BN-LEVEL-UNKNOWN"


def test_records_after_the_date_are_not_counted():
    history = [mod(D(2026, 6, 1), 150_000)]
    result = check_home_modification(history, mod(D(2026, 5, 31), 100_000))
    assert (result.used_yen, result.exceeds) == (0, False)


def test_same_day_records_replay_in_the_order_given():
    history = [mod(D(2025, 6, 1), 100_000, "12"), mod(D(2025, 6, 1), 100_000, "23")]
    result = home_modification_status(history, residence_id=HOME, care_level="23", on=D(2026, 1, 1))
    assert result.used_yen == 100_000  # the second record reset the allowance


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (UsageRecord(D(2026, 1, 1), -1, residence_id=HOME), "new.cost_yen"),
        (UsageRecord(D(2026, 1, 1), 100, paid_yen=101, residence_id=HOME), "new.paid_yen"),
        (UsageRecord(D(2026, 1, 1), 100, paid_yen=-1, residence_id=HOME), "new.paid_yen"),
        (UsageRecord(D(2026, 1, 1), 100), "new.residence_id"),
        (UsageRecord(D(2026, 1, 1), 100, residence_id=""), "new.residence_id"),
        (UsageRecord(D(2026, 1, 1), 100, residence_id=HOME, care_level="99"), "new.care_level"),
        (UsageRecord("2026-01-01", 100, residence_id=HOME), "new.used_on"),  # type: ignore[arg-type]
        (UsageRecord(D(2026, 1, 1), True, residence_id=HOME), "new.cost_yen"),  # type: ignore[arg-type]
    ],
)
def test_invalid_record_is_rejected_naming_the_field(record, field):
    with pytest.raises(InvalidInput) as exc:
        check_home_modification([], record)
    assert exc.value.details["field"] == field


def test_invalid_history_record_is_rejected_with_its_index():
    with pytest.raises(InvalidInput) as exc:
        check_equipment_purchase(
            [buy(D(2026, 5, 1), 1), buy(D(2026, 5, 1), -5)], buy(D(2026, 6, 1), 1)
        )
    assert exc.value.details["field"] == "history[1].cost_yen"


# --- properties ----------------------------------------------------------------------------

costs = st.integers(0, 150_000)
days = st.dates(D(2024, 1, 1), D(2027, 12, 31))


@given(st.lists(st.builds(buy, days, costs), max_size=8), st.builds(buy, days, costs))
def test_equipment_accounting_adds_up(history, new):
    result = check_equipment_purchase(history, new)
    assert result.allowance_yen == EQUIPMENT_PURCHASE_ALLOWANCE_YEN
    assert result.remaining_yen == max(0, result.allowance_yen - result.used_yen)
    assert result.excess_yen == max(0, new.cost_yen - result.remaining_yen)
    assert result.exceeds is (result.excess_yen > 0)
    assert result.used_yen == sum(
        r.cost_yen
        for r in history
        if fiscal_year(r.used_on) == fiscal_year(new.used_on) and r.used_on <= new.used_on
    )


levels = st.sampled_from(["12", "13", "21", "22", "23", "24", "25", None])
residences = st.sampled_from([HOME, OTHER, THIRD])


@given(
    st.lists(st.builds(mod, days, costs, levels, residences), max_size=8),
    st.builds(mod, days, costs, levels, residences),
)
def test_home_modification_never_exceeds_without_a_flag(history, new):
    result = check_home_modification(history, new)
    assert result.allowance_yen == HOME_MODIFICATION_ALLOWANCE_YEN
    assert 0 <= result.remaining_yen <= HOME_MODIFICATION_ALLOWANCE_YEN
    assert result.exceeds is (new.cost_yen > result.remaining_yen)
    assert result.exceeds is ("BN-OVER-ALLOWANCE" in codes(result))
    same_residence = sum(r.cost_yen for r in history if r.residence_id == new.residence_id)
    assert result.used_yen <= same_residence
