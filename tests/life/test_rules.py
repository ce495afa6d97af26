"""LIFE scores, small-cell suppression and chart geometry (pure)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.life import rules

ALL_BEST = {
    name: max(points, key=lambda c: points[c]) for name, points in rules.BARTHEL_POINTS.items()
}


def test_barthel_total_is_100_at_best_and_needs_every_item() -> None:
    assert rules.barthel_total(ALL_BEST) == 100
    assert rules.barthel_total({name: "0" for name in rules.BARTHEL_POINTS}) == 0
    partial = dict(ALL_BEST)
    del partial["barthel_index_bathing"]
    assert rules.barthel_total(partial) is None


def test_the_two_items_without_a_middle_score_count_partial_help_as_zero() -> None:
    items = dict(
        ALL_BEST, barthel_index_bathing="1", barthel_index_personal_hygiene_and_adjustment="1"
    )
    assert rules.barthel_total(items) == 90


def test_dbd13_and_vitality_totals() -> None:
    assert rules.dbd13_total({n: "4" for n in rules.DBD13_ITEMS}) == 52
    assert rules.vitality_total({n: "2" for n in rules.VITALITY_ITEMS}) == 10
    assert rules.vitality_total({"vitality_index_01": "2"}) is None


def test_bands_cover_every_possible_total() -> None:
    assert [rules.barthel_band(t) for t in (0, 20, 25, 60, 65, 90, 95, 100)] == [
        "0〜20点",
        "0〜20点",
        "25〜60点",
        "25〜60点",
        "65〜90点",
        "65〜90点",
        "95〜100点",
        "95〜100点",
    ]


def test_a_small_cell_hides_its_row_total_and_the_grand_total_when_it_alone_could_be_recovered() -> (
    None
):
    table = rules.suppress(["a", "b"], ["x", "y"], [[12, 3], [15, 20]])
    assert [[c.shown for c in row] for row in table.cells] == [["12", "—"], ["15", "20"]]
    assert [c.shown for c in table.row_totals] == ["—", "35"]
    assert table.total.shown == "—"  # 50 − 35 would give row a, and then 3


def test_nothing_is_hidden_when_every_count_is_large_enough() -> None:
    table = rules.suppress(["a"], ["x", "y"], [[10, 11]])
    assert [c.shown for c in table.cells[0]] == ["10", "11"]
    assert (table.row_totals[0].shown, table.total.shown) == ("21", "21")


@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=40), min_size=4, max_size=4),
        min_size=1,
        max_size=5,
    )
)
def test_no_count_below_ten_can_be_read_or_worked_out(counts: list[list[int]]) -> None:
    table = rules.suppress([str(i) for i in range(len(counts))], ["a", "b", "c", "d"], counts)
    for r, row in enumerate(table.cells):
        for cell in row:
            assert cell.suppressed or cell.count >= rules.MIN_CELL
        total = table.row_totals[r]
        if not total.suppressed:
            assert total.count >= rules.MIN_CELL
            masked = sum(c.count for c in row if c.suppressed)
            assert masked >= rules.MIN_CELL or not any(c.suppressed for c in row)
    if not table.total.suppressed:
        # Grand total minus everything shown = the hidden cells of the rows with hidden totals.
        behind = [
            c.count
            for row, total in zip(table.cells, table.row_totals, strict=True)
            if total.suppressed
            for c in row
            if c.suppressed
        ]
        assert table.total.count >= rules.MIN_CELL
        assert not behind or (len(behind) >= 2 and sum(behind) >= rules.MIN_CELL)


def test_chart_spaces_points_by_date_and_scales_to_100() -> None:
    d = dt.date(2026, 1, 1)
    chart = rules.line_chart(
        [(d, 0), (d + dt.timedelta(days=10), 50), (d + dt.timedelta(days=40), 100)]
    )
    xs = [p.x for p in chart.points]
    assert xs[0] == chart.left and xs[-1] == chart.right
    assert abs((xs[1] - xs[0]) / (xs[2] - xs[0]) - 0.25) < 1e-9
    assert [p.y for p in chart.points] == [chart.bottom, (chart.bottom + chart.top) / 2, chart.top]
    assert rules.trend_sentence([40, 55]) == "はじめの評価より 15点 上がっています。"
