"""一次判定 helpers: official thresholds, the unofficial 32–50 split and 認知症加算."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.certification.cases.rules import (
    PRIMARY_THRESHOLDS,
    CareLevel,
    DementiaDegree,
    PhysicalIndependence,
    PrimaryBand,
    apply_dementia_addition,
    dementia_addition_applies,
    primary_assessment,
    primary_band,
    split_support2_care1,
)
from kaigo_kiban.core.errors import InvalidInput

B = PrimaryBand
DD = DementiaDegree
PI = PhysicalIndependence


@pytest.mark.parametrize(
    ("minutes", "band"),
    [
        (0, B.NOT_ELIGIBLE),
        (24.9, B.NOT_ELIGIBLE),
        (25, B.SUPPORT_1),
        (31.9, B.SUPPORT_1),
        (32, B.SUPPORT_2_OR_CARE_1),
        (Decimal("49.9"), B.SUPPORT_2_OR_CARE_1),
        (50, B.CARE_2),
        (69.9, B.CARE_2),
        (70, B.CARE_3),
        (89.9, B.CARE_3),
        (90, B.CARE_4),
        (109.9, B.CARE_4),
        (110, B.CARE_5),
        (300, B.CARE_5),
    ],
)
def test_thresholds_have_inclusive_lower_bounds(minutes, band):
    assert primary_band(minutes) is band


@pytest.mark.parametrize("bad", [-0.1, -5, float("nan"), float("inf")])
def test_negative_or_non_finite_minutes_are_rejected(bad):
    with pytest.raises(InvalidInput):
        primary_band(bad)


@given(st.decimals(0, 400, places=1), st.decimals(0, 400, places=1))
def test_band_is_monotone_in_minutes(a, b):
    order = list(PrimaryBand)
    low, high = sorted((a, b))
    assert order.index(primary_band(low)) <= order.index(primary_band(high))


def test_threshold_table_is_the_published_one():
    assert [int(bound) for bound, _ in PRIMARY_THRESHOLDS] == [25, 32, 50, 70, 90, 110]


# --- 32–50 split -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survey", "opinion", "stable", "p", "level"),
    [
        (DD.INDEPENDENT, DD.I, True, None, CareLevel.SUPPORT_2),
        (DD.I, DD.I, False, None, CareLevel.CARE_1),
        (DD.IIA, DD.IIIB, None, None, CareLevel.CARE_1),
        (DD.IIA, DD.I, True, 0.5, CareLevel.CARE_1),
        (DD.I, DD.M, True, 0.49, CareLevel.SUPPORT_2),
        (DD.I, DD.M, False, 0.49, CareLevel.CARE_1),
    ],
)
def test_split_between_support_2_and_care_1(survey, opinion, stable, p, level):
    assert split_support2_care1(survey, opinion, stable=stable, p_dementia_ii_or_above=p) is level


def test_split_needs_stability_or_probability_when_they_decide():
    with pytest.raises(InvalidInput, match="安定"):
        split_support2_care1(DD.I, DD.I)
    with pytest.raises(InvalidInput, match="蓋然性"):
        split_support2_care1(DD.IIB, DD.I, stable=True)
    with pytest.raises(InvalidInput):
        split_support2_care1(DD.IIB, DD.I, stable=True, p_dementia_ii_or_above=1.5)


# --- 認知症加算 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "levels", "after"),
    [
        (20, 1, Decimal(27)),
        (20, 2, Decimal("39.5")),
        (26, 1, Decimal("38.5")),
        (26, 2, Decimal("57.5")),
        (40, 1, Decimal(59)),
        (40, 2, Decimal(79)),
        (60, 1, Decimal(80)),
        (60, 2, Decimal(100)),
    ],
)
def test_addition_minutes_by_band(minutes, levels, after):
    assert apply_dementia_addition(minutes, DD.IIIA, PI.A2, levels=levels) == after


@pytest.mark.parametrize(
    ("minutes", "dementia", "physical", "applies"),
    [
        (69.9, DD.IV, PI.INDEPENDENT, True),
        (70, DD.IV, PI.INDEPENDENT, False),
        (40, DD.M, PI.J1, True),
        (40, DD.IIB, PI.J1, False),
        (40, DD.IIIB, PI.B1, False),
        (40, DD.IIIB, PI.C2, False),
    ],
)
def test_addition_conditions(minutes, dementia, physical, applies):
    assert dementia_addition_applies(minutes, dementia, physical) is applies
    changed = apply_dementia_addition(minutes, dementia, physical, levels=1) != Decimal(
        str(minutes)
    )
    assert changed is applies


def test_addition_levels_must_be_one_or_two():
    with pytest.raises(InvalidInput):
        apply_dementia_addition(40, DD.IIIA, PI.A1, levels=3)


def test_assessment_is_always_flagged_unofficial():
    a = primary_assessment(
        45, survey_dementia=DD.IIIA, opinion_dementia=DD.IIA, physical=PI.A1, addition_levels=1
    )
    assert (a.minutes, a.band, a.level, a.dementia_addition) == (
        Decimal(64),
        B.CARE_2,
        CareLevel.CARE_2,
        True,
    )
    assert a.unofficial is True


def test_assessment_leaves_level_open_when_split_inputs_are_missing():
    a = primary_assessment(40, survey_dementia=DD.I, opinion_dementia=DD.I, physical=PI.B1)
    assert (a.band, a.level) == (B.SUPPORT_2_OR_CARE_1, None)
    b = primary_assessment(
        40, survey_dementia=DD.I, opinion_dementia=DD.I, physical=PI.B1, stable=True
    )
    assert b.level is CareLevel.SUPPORT_2
