"""Pure LIFE rules: scores (Barthel Index, DBD13, Vitality Index), bands, small-cell
suppression of aggregates, and the geometry of the trend chart. No I/O.

Barthel Index points per item follow the FORM_0000_2021 code lists (e.g. 食事 0 全介助 = 0,
1 一部介助 = 5, 2 自立 = 10); the total is 0–100 and only defined when all ten items are
known. DBD13 sums 13 items scored 0–4 (0–52, higher = more behavioural symptoms); the
Vitality Index sums 5 items scored 0–2 (0–10, higher = more vitality).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

BARTHEL_POINTS: dict[str, dict[str, int]] = {
    "barthel_index_meal": {"0": 0, "1": 5, "2": 10},
    "barthel_transfer": {"0": 0, "1": 5, "2": 10, "3": 15},
    "barthel_index_personal_hygiene_and_adjustment": {"0": 0, "1": 0, "2": 5},
    "barthel_index_toilet_activity": {"0": 0, "1": 5, "2": 10},
    "barthel_index_bathing": {"0": 0, "1": 0, "2": 5},
    "barthel_index_flat_ground_walking": {"0": 0, "1": 5, "2": 10, "3": 15},
    "barthel_index_stair_movement": {"0": 0, "1": 5, "2": 10},
    "barthel_index_changing_clothes": {"0": 0, "1": 5, "2": 10},
    "barthel_index_defecation_manage": {"0": 0, "1": 5, "2": 10},
    "barthel_index_urination_manage": {"0": 0, "1": 5, "2": 10},
}
DBD13_ITEMS = tuple(f"dbd13_{i:02d}" for i in range(1, 14))
VITALITY_ITEMS = tuple(f"vitality_index_{i:02d}" for i in range(1, 6))

# Bands of the Barthel total for aggregates (0–20 全介助, 21–60 重度, 61–90 中等度, 91–100 軽度・自立).
BARTHEL_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0〜20点", 0, 20),
    ("25〜60点", 21, 60),
    ("65〜90点", 61, 90),
    ("95〜100点", 91, 100),
)
# Care levels grouped for aggregates (codes of 要介護度 in SERVICE_USER_INFO).
CARE_LEVEL_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("要支援1・2", frozenset({"11", "12", "13"})),
    ("要介護1・2", frozenset({"21", "22"})),
    ("要介護3", frozenset({"23"})),
    ("要介護4・5", frozenset({"24", "25"})),
    ("その他・不明", frozenset({"01", "06", ""})),
)
MIN_CELL = 10


def barthel_total(items: Mapping[str, str | None]) -> int | None:
    """Total 0–100, or None when any of the ten items is missing."""
    total = 0
    for name, points in BARTHEL_POINTS.items():
        code = items.get(name)
        if code is None or code not in points:
            return None
        total += points[code]
    return total


def _sum(items: Mapping[str, str | None], names: Sequence[str]) -> int | None:
    values = [items.get(n) for n in names]
    if any(v is None or not v.isdigit() for v in values):
        return None
    return sum(int(v) for v in values)  # type: ignore[arg-type]


def dbd13_total(items: Mapping[str, str | None]) -> int | None:
    return _sum(items, DBD13_ITEMS)


def vitality_total(items: Mapping[str, str | None]) -> int | None:
    return _sum(items, VITALITY_ITEMS)


def barthel_band(total: int) -> str:
    for label, low, high in BARTHEL_BANDS:
        if low <= total <= high:
            return label
    raise ValueError(f"Barthel total out of range: {total}")


def care_level_group(code: str | None) -> str:
    for label, codes in CARE_LEVEL_GROUPS:
        if (code or "") in codes:
            return label
    return CARE_LEVEL_GROUPS[-1][0]


# --- small-cell suppression --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int
    suppressed: bool

    @property
    def shown(self) -> str:
        return "—" if self.suppressed else f"{self.count:,}"


@dataclass(frozen=True)
class SuppressedTable:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    total: Cell


def suppress(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    min_cell: int = MIN_CELL,
) -> SuppressedTable:
    """Hide every count below ``min_cell`` people, and every total that would let one be
    worked out by subtraction.

    Shown are the cells, each row's total and the grand total (no column totals, so a column
    never gives a hidden cell away).

    1. A cell below ``min_cell`` is hidden — zero too: "nobody" in a small group is itself
       a disclosure.
    2. A row total is hidden when it is below ``min_cell`` or when its hidden cells add up
       to less than ``min_cell`` (total minus the shown cells would reveal that sum — a
       single small cell exactly).
    3. The grand total minus everything shown is the sum of the hidden cells of the rows
       whose total is hidden; so the grand total is hidden when it is below ``min_cell`` or
       when those hidden cells are one cell only, or add up to less than ``min_cell``.
    """
    n_cols = len(columns)
    hidden = [[count < min_cell for count in row] for row in counts]
    row_sum = [sum(row) for row in counts]
    row_hidden = []
    for r, row in enumerate(counts):
        masked = sum(row[c] for c in range(n_cols) if hidden[r][c])
        has_masked = any(hidden[r])
        row_hidden.append(row_sum[r] < min_cell or (has_masked and masked < min_cell))
    total = sum(row_sum)
    behind = [
        counts[r][c]
        for r in range(len(rows))
        if row_hidden[r]
        for c in range(n_cols)
        if hidden[r][c]
    ]
    total_hidden = total < min_cell or (
        bool(behind) and (len(behind) == 1 or sum(behind) < min_cell)
    )
    return SuppressedTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(
            tuple(Cell(counts[r][c], hidden[r][c]) for c in range(n_cols)) for r in range(len(rows))
        ),
        row_totals=tuple(Cell(row_sum[r], row_hidden[r]) for r in range(len(rows))),
        total=Cell(total, total_hidden),
    )


# --- trend chart geometry ------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    day: dt.date
    value: int


@dataclass(frozen=True)
class LineChart:
    """Coordinates of a small line chart in an SVG ``viewBox`` of ``width`` × ``height``."""

    width: int
    height: int
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[tuple[float, int], ...]
    x_labels: tuple[tuple[float, dt.date], ...]
    left: int
    right: int
    top: int
    bottom: int

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def line_chart(
    series: Sequence[tuple[dt.date, int]],
    *,
    y_max: int = 100,
    y_step: int = 20,
    width: int = 640,
    height: int = 300,
) -> LineChart:
    """Place dated values on a time axis (x) and a 0–``y_max`` axis (y). Dates are spaced by
    time, not by index, so irregular assessments keep their true spacing."""
    left, right, top, bottom = 48, width - 16, 16, height - 40
    ordered = sorted(series)
    if not ordered:
        span_days = 1
        first = dt.date.today()
    else:
        first = ordered[0][0]
        span_days = max(1, (ordered[-1][0] - first).days)

    def x_of(day: dt.date) -> float:
        if len(ordered) == 1:
            return (left + right) / 2
        return left + (right - left) * (day - first).days / span_days

    def y_of(value: int) -> float:
        return bottom - (bottom - top) * value / y_max

    points = tuple(ChartPoint(x_of(d), y_of(v), d, v) for d, v in ordered)
    ticks = tuple((y_of(v), v) for v in range(0, y_max + 1, y_step))
    step = max(1, len(ordered) // 6 + (1 if len(ordered) % 6 else 0))
    labels = tuple((p.x, p.day) for p in points[::step])
    return LineChart(width, height, points, ticks, labels, left, right, top, bottom)


def trend_sentence(values: Sequence[int]) -> str:
    """One plain sentence about the change from the first to the last value."""
    if len(values) < 2:
        return "評価は1回です。"
    change = values[-1] - values[0]
    if change > 0:
        return f"はじめの評価より {change}点 上がっています。"
    if change < 0:
        return f"はじめの評価より {-change}点 下がっています。"
    return "はじめの評価から変わっていません。"
