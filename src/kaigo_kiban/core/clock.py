"""Time: UTC for storage, JST for people, 和暦 where people expect it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# (first day, era name, alphabet) — newest first.
_ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1868, 1, 25), "明治"),
)


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def today_jst() -> dt.date:
    """Today's date in Japan (business dates are Japanese dates)."""
    return utcnow().astimezone(JST).date()


def to_jst(moment: dt.datetime) -> dt.datetime:
    """Convert a stored instant to JST; naive values are taken as UTC (SQLite drops tzinfo)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(JST)


def wareki(day: dt.date) -> str:
    """和暦 form of a date, e.g. 令和8年11月25日 (元年 for the first year)."""
    for start, name in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{name}{year_text}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Age in completed years on ``day`` (Japanese law: birthday eve counts, ignored here)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def fiscal_year(day: dt.date) -> int:
    """Japanese fiscal year (April–March) a date falls in."""
    return day.year if day.month >= 4 else day.year - 1
