"""Municipal readiness (市町村の開始予定) rules: pure functions, no I/O.

Model (docs/domain.md §8.3, inferred):
``Readiness(municipality_code, insurer_no, planned_start, status)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ReadinessStatus(StrEnum):
    ARRANGING = "ARRANGING"  # 調整中: no date fixed yet
    SCHEDULED = "SCHEDULED"  # 開始予定: a date is fixed
    LIVE = "LIVE"  # 送信開始済: the municipality sends its data to the platform


READINESS_LABELS = {
    ReadinessStatus.LIVE: "送信開始済",
    ReadinessStatus.SCHEDULED: "開始予定",
    ReadinessStatus.ARRANGING: "調整中",
}
_PROGRESS = {ReadinessStatus.ARRANGING: 0, ReadinessStatus.SCHEDULED: 1, ReadinessStatus.LIVE: 2}

# The chart counts starts per quarter up to this day (the end of FY2027, the last year of the
# published schedule, docs/domain.md §8.3).
CHART_END = dt.date(2028, 4, 1)


@dataclass(frozen=True, slots=True)
class Readiness:
    status: ReadinessStatus
    planned_start: dt.date | None


def insurer_readiness(members: Iterable[Readiness]) -> Readiness | None:
    """The readiness of an insurer from that of the municipalities it covers.

    A 広域連合 covers several municipalities; it is only as ready as its least ready member,
    because data of a member that has not started is missing. Among equally ready members the
    latest planned start counts (the day all of them have started). None when none is listed.
    """
    found = list(members)
    if not found:
        return None
    least = min(_PROGRESS[m.status] for m in found)
    same = [m for m in found if _PROGRESS[m.status] == least]
    dated = [m.planned_start for m in same if m.planned_start is not None]
    if len(dated) < len(same):
        return Readiness(same[0].status, None)
    return Readiness(same[0].status, max(dated) if dated else None)


def is_live_on(readiness: Readiness | None, on: dt.date) -> bool:
    """Whether data was being sent on ``on``: only LIVE counts, from its start date.

    A SCHEDULED date that has passed does not make a municipality live; the operator marks it
    LIVE when sending has actually begun (a start can slip).
    """
    if readiness is None or readiness.status is not ReadinessStatus.LIVE:
        return False
    return readiness.planned_start is None or readiness.planned_start <= on


@dataclass(frozen=True, slots=True)
class QuarterCount:
    """Municipalities starting in one fiscal quarter [starts_on, ends_on)."""

    fiscal_year: int
    quarter: int
    starts_on: dt.date
    ends_on: dt.date
    count: int

    @property
    def label(self) -> str:
        """E.g. 2026年度 第3四半期（2026年10月〜12月）."""
        last = self.ends_on - dt.timedelta(days=1)
        return (
            f"{self.fiscal_year}年度 第{self.quarter}四半期"
            f"（{self.starts_on.year}年{self.starts_on.month}月〜{last.month}月）"
        )

    @property
    def short_label(self) -> str:
        """E.g. 26年度Q3 (for the chart axis)."""
        return f"{self.fiscal_year % 100}年度Q{self.quarter}"


def fiscal_quarter_start(day: dt.date) -> dt.date:
    """First day of the fiscal quarter (Apr–Jun, Jul–Sep, Oct–Dec, Jan–Mar) containing ``day``."""
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _add_quarter(day: dt.date) -> dt.date:
    month = day.month + 3
    return dt.date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def quarter_counts(days: Iterable[dt.date], end: dt.date = CHART_END) -> list[QuarterCount]:
    """Starts per fiscal quarter, from the quarter of the earliest day up to ``end``
    (exclusive; days on or after ``end`` are not counted). Empty quarters are kept so the
    chart's time axis is even."""
    counted = [d for d in days if d < end]
    if not counted:
        return []
    tally: dict[dt.date, int] = {}
    for d in counted:
        start = fiscal_quarter_start(d)
        tally[start] = tally.get(start, 0) + 1
    out = []
    start = fiscal_quarter_start(min(counted))
    while start < end:
        following = _add_quarter(start)
        fiscal = start.year if start.month >= 4 else start.year - 1
        quarter = (start.month - 4) % 12 // 3 + 1
        out.append(QuarterCount(fiscal, quarter, start, following, tally.get(start, 0)))
        start = following
    return out
