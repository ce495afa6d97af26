"""Pure readiness rules and format: planned-start dates, insurer status, live day, quarters
for the chart."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.readiness.formats import parse_planned_start
from kaigo_kiban.readiness.rules import (
    Readiness,
    ReadinessStatus,
    fiscal_quarter_start,
    insurer_readiness,
    is_live_on,
    quarter_counts,
)


def test_planned_start_accepts_both_date_forms_and_nothing_else() -> None:
    assert parse_planned_start("2027-04-01") == dt.date(2027, 4, 1)
    assert parse_planned_start("20270401") == dt.date(2027, 4, 1)
    for bad in ("2027-0401", "2027/04/01", "20270230", "2027-4-1", "R9.4.1"):
        assert parse_planned_start(bad) is None, bad


LIVE, SCHEDULED, ARRANGING = (
    ReadinessStatus.LIVE,
    ReadinessStatus.SCHEDULED,
    ReadinessStatus.ARRANGING,
)


def test_joint_insurer_is_as_ready_as_its_least_ready_member() -> None:
    members = [
        Readiness(LIVE, dt.date(2026, 11, 1)),
        Readiness(SCHEDULED, dt.date(2027, 4, 1)),
        Readiness(SCHEDULED, dt.date(2027, 7, 1)),
    ]
    assert insurer_readiness(members) == Readiness(SCHEDULED, dt.date(2027, 7, 1))
    assert insurer_readiness([*members, Readiness(ARRANGING, None)]) == Readiness(ARRANGING, None)
    assert insurer_readiness([]) is None


def test_live_only_from_its_start_day_and_never_when_only_scheduled() -> None:
    live = Readiness(LIVE, dt.date(2026, 11, 1))
    assert is_live_on(live, dt.date(2026, 11, 1))
    assert not is_live_on(live, dt.date(2026, 10, 31))
    assert not is_live_on(Readiness(SCHEDULED, dt.date(2020, 1, 1)), dt.date(2026, 1, 1))
    assert not is_live_on(None, dt.date(2026, 1, 1))


def test_quarters_run_from_the_first_start_to_the_chart_end_without_gaps() -> None:
    days = [dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 4, 1), dt.date(2028, 4, 1)]
    counts = quarter_counts(days)
    assert [(q.fiscal_year, q.quarter, q.count) for q in counts] == [
        (2026, 3, 2),
        (2026, 4, 0),
        (2027, 1, 1),
        (2027, 2, 0),
        (2027, 3, 0),
        (2027, 4, 0),
    ]
    assert counts[0].label == "2026年度 第3四半期（2026年10月〜12月）"
    assert counts[-1].ends_on == dt.date(2028, 4, 1)  # 2028-04-01 itself is not counted
    assert quarter_counts([]) == []


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_falls_in_the_quarter_that_starts_on_or_before_it(day: dt.date) -> None:
    start = fiscal_quarter_start(day)
    assert start <= day and start.day == 1 and start.month in (1, 4, 7, 10)
    assert (day - start).days < 92
