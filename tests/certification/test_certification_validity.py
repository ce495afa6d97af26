"""Validity periods: defaults, allowed ranges and the end-of-month rule."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.certification.cases.rules import (
    ApplicationKind,
    check_validity_months,
    compute_valid_to,
    default_validity_months,
    validity_period,
)
from kaigo_kiban.core.errors import InvalidInput

D = dt.date
K = ApplicationKind


@pytest.mark.parametrize(
    ("valid_from", "months", "valid_to"),
    [
        (D(2026, 4, 1), 6, D(2026, 9, 30)),  # starts on the 1st: whole months only
        (D(2026, 4, 15), 6, D(2026, 10, 31)),  # partial April added on top
        (D(2026, 4, 30), 6, D(2026, 10, 31)),
        (D(2026, 12, 1), 12, D(2027, 11, 30)),
        (D(2026, 11, 20), 3, D(2027, 2, 28)),
        (D(2028, 1, 15), 1, D(2028, 2, 29)),  # leap year
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 5, 1), 48, D(2030, 4, 30)),
    ],
)
def test_valid_to_ends_on_a_month_end(valid_from, months, valid_to):
    assert compute_valid_to(valid_from, months) == valid_to


@pytest.mark.parametrize(("kind", "months"), [(K.NEW, 6), (K.LEVEL_CHANGE, 6), (K.RENEWAL, 12)])
def test_default_months(kind, months):
    assert default_validity_months(kind) == months
    start = D(2026, 7, 1)
    assert validity_period(kind, start) == (start, compute_valid_to(start, months))


def test_transfer_in_has_no_month_rule():
    with pytest.raises(InvalidInput) as exc:
        default_validity_months(K.TRANSFER_IN)
    assert exc.value.code == "CT-VALIDITY-TRANSFER"


@pytest.mark.parametrize(
    ("kind", "months", "unchanged", "ok"),
    [
        (K.NEW, 2, False, False),
        (K.NEW, 3, False, True),
        (K.NEW, 12, False, True),
        (K.NEW, 13, False, False),
        (K.LEVEL_CHANGE, 12, False, True),
        (K.LEVEL_CHANGE, 13, True, False),
        (K.RENEWAL, 3, False, True),
        (K.RENEWAL, 36, False, True),
        (K.RENEWAL, 37, False, False),
        (K.RENEWAL, 48, True, True),
        (K.RENEWAL, 49, True, False),
    ],
)
def test_allowed_month_ranges(kind, months, unchanged, ok):
    if ok:
        check_validity_months(kind, months, level_unchanged=unchanged)
    else:
        with pytest.raises(InvalidInput, match=str(months)):
            check_validity_months(kind, months, level_unchanged=unchanged)


@pytest.mark.parametrize("months", [0, -1, True, 1.5])
def test_non_positive_or_non_integer_months_are_rejected(months):
    with pytest.raises(InvalidInput):
        compute_valid_to(D(2026, 4, 1), months)


@given(st.dates(D(2000, 1, 1), D(2090, 12, 31)), st.integers(1, 48))
def test_valid_to_is_a_month_end_covering_the_months(valid_from, months):
    valid_to = compute_valid_to(valid_from, months)
    assert valid_to.day == calendar.monthrange(valid_to.year, valid_to.month)[1]
    spanned = (valid_to.year - valid_from.year) * 12 + valid_to.month - valid_from.month + 1
    assert spanned == (months if valid_from.day == 1 else months + 1)
