"""Template filters: 令和 and 西暦 dates, JST times, amounts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.app.navigation import template_filters, template_globals
from kaigo_kiban.http.templating import make_templates

FILTERS = make_templates(filters=template_filters(), globals=template_globals()).env.filters


def test_date_shows_reiwa_then_seireki() -> None:
    day = dt.date(2026, 11, 25)
    assert FILTERS["date"](day) == "令和8年11月25日 (2026-11-25)"
    assert FILTERS["date"](day, "wareki") == "令和8年11月25日"
    assert FILTERS["date"](day, "iso") == "2026-11-25"
    assert FILTERS["date"](None) == "—"


def test_date_uses_gannen_and_switches_era_on_the_right_day() -> None:
    assert FILTERS["date"](dt.date(2019, 4, 30), "wareki") == "平成31年4月30日"
    assert FILTERS["date"](dt.date(2019, 5, 1), "wareki") == "令和元年5月1日"
    assert FILTERS["date"](dt.date(1989, 1, 7), "wareki") == "昭和64年1月7日"


def test_date_of_an_instant_is_the_japanese_calendar_day() -> None:
    late_utc = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)  # 01:00 on the 26th in Japan
    assert FILTERS["date"](late_utc, "iso") == "2026-11-26"


def test_datetime_is_shown_in_jst() -> None:
    moment = dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.UTC)
    assert FILTERS["datetime"](moment) == "2026-11-26 00:30 (JST)"
    assert FILTERS["datetime"](moment, "both") == "令和8年11月26日 00:30 (2026-11-26 00:30 JST)"
    naive_from_sqlite = dt.datetime(2026, 11, 25, 15, 30)
    assert FILTERS["datetime"](naive_from_sqlite) == "2026-11-26 00:30 (JST)"
    assert FILTERS["datetime"](None) == "—"


def test_amounts_have_thousands_separators_and_units() -> None:
    assert FILTERS["yen"](1392) == "1,392円"
    assert FILTERS["units"](16765) == "16,765 単位"
    assert FILTERS["yen"](None) == FILTERS["units"](None) == "—"


@given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2100, 12, 31)))
def test_every_date_shows_an_era_and_its_iso_form(day: dt.date) -> None:
    text = FILTERS["date"](day)
    assert text.startswith(("令和", "平成", "昭和", "大正", "明治"))
    assert text.endswith(f"({day.isoformat()})")
    assert f"{day.month}月{day.day}日" in text
