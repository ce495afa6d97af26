""" "The card valid on D" as the municipality means it: a newer 履歴番号 supersedes older ones.

The rule (docs/interface.md): a live row is the card on D when its period covers D (and, for the
被保険者証, D is before the 資格喪失日), unless a newer live 履歴番号 that has started by D either
still runs on D or started no earlier than it — a newer version replaces the rest of an older
one, open-ended or not, so an older row never comes back when a newer one ends.

The property test checks the SQL reader against a second, independent reading: a day-by-day
timeline painted version by version, in 履歴番号 order.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.settings import Settings
from tests.factories import (
    INSURER_NO,
    grant_for,
    ingest,
    insurance_card_row,
    make_insurer,
    write_card_file,
)

D = dt.date
PERSON = "0000000001"


def _level_on(db: Session, day: dt.date) -> str | None:
    grant = grant_for(INSURER_NO, PERSON, "insurance_card")
    card = cards.find_card_valid_on(db, grant, "insurance_card", day)
    return card.care_level if card is not None else None


def test_an_older_open_ended_row_does_not_come_back_when_a_newer_row_ends(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    """要介護1 open-ended (履歴1), then 要介護3 for 2024-04-01..2024-09-30 (履歴2): on 2024-10-15
    the person has no valid card, not 要介護1 again."""
    make_insurer(db)
    first = insurance_card_row(care_level="21", valid_from="20240401", valid_to="")
    second = insurance_card_row(
        history_no="2",
        care_level="23",
        change_kind="2",
        change_reason="99",
        valid_from="20240401",
        valid_to="20240930",
    )
    ingest(db, write_card_file(tmp_path, "insurance_card", [first, second]), settings)
    assert _level_on(db, D(2024, 6, 1)) == "23"
    assert _level_on(db, D(2024, 9, 30)) == "23"
    assert _level_on(db, D(2024, 10, 15)) is None


def test_a_newer_row_starting_later_leaves_the_older_one_in_force_until_then(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    first = insurance_card_row(care_level="21", valid_from="20240401", valid_to="")
    change = insurance_card_row(
        history_no="2",
        care_level="22",
        change_kind="2",
        change_reason="99",
        valid_from="20241001",
        valid_to="",
    )
    ingest(db, write_card_file(tmp_path, "insurance_card", [first, change]), settings)
    assert _level_on(db, D(2024, 9, 30)) == "21"
    assert _level_on(db, D(2024, 10, 1)) == "22"


def test_a_newer_row_for_an_earlier_period_does_not_cut_a_later_older_row(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    """A late correction for the months before the older row started replaces only its own
    period: the older row, which started after it, stays in force after it ends."""
    make_insurer(db)
    later = insurance_card_row(care_level="22", valid_from="20241001", valid_to="")
    earlier = insurance_card_row(
        history_no="2",
        care_level="21",
        change_kind="2",
        change_reason="99",
        valid_from="20240401",
        valid_to="20240930",
    )
    ingest(db, write_card_file(tmp_path, "insurance_card", [later, earlier]), settings)
    assert _level_on(db, D(2024, 5, 1)) == "21"
    assert _level_on(db, D(2024, 11, 1)) == "22"


# --- property test against a day-by-day reference model ----------------------------------------

START = D(2024, 1, 1)
DAYS = 400
HISTORIES_PER_KIND = 60

REQUIRED: dict[str, dict[str, Any]] = {
    "insurance_card": {
        "change_date": START,
        "change_kind": "1",
        "change_reason": "01",
        "name_kana": "カクウ タロウ",
        "name_kanji": "架空 太郎",
        "birth_date": D(1945, 3, 15),
        "sex": "1",
        "qualified_on": D(2010, 3, 15),
        "care_level": "21",
    },
    "copay_card": {"ratio": 1},
    "cost_cap_cert": {"stage": "2", "food_cap_yen": 390},
    "reduction_cert": {"reduction_kind": "1"},
}


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def _random_history(rng: random.Random, kind: str, insured_no: str) -> list[dict[str, Any]]:
    rows = []
    for history_no in range(1, rng.randint(1, 6) + 1):
        start = rng.randrange(DAYS)
        end = None if rng.random() < 0.4 else min(DAYS + 30, start + rng.randrange(1, 200))
        row: dict[str, Any] = {
            "insurer_no": INSURER_NO,
            "insured_no": insured_no,
            "history_no": history_no,
            "valid_from": _day(start),
            "valid_to": _day(end) if end is not None else None,
            "deleted": rng.random() < 0.15,
            "source_file_id": 0,
            **REQUIRED[kind],
        }
        if kind == "insurance_card":
            row["disqualified_on"] = _day(rng.randrange(DAYS)) if rng.random() < 0.15 else None
        rows.append(row)
    return rows


def reference_timeline(rows: list[dict[str, Any]]) -> dict[dt.date, dict[str, Any]]:
    """Paint the versions in 履歴番号 order: each live version first removes the rest of every
    earlier version that started no later than it, then takes the days of its own period."""
    horizon = _day(DAYS + 60)
    timeline: dict[dt.date, dict[str, Any]] = {}
    for row in sorted((r for r in rows if not r["deleted"]), key=lambda r: r["history_no"]):
        for day in [d for d, held in timeline.items() if d >= row["valid_from"]]:
            if timeline[day]["valid_from"] <= row["valid_from"]:
                del timeline[day]
        day, last = row["valid_from"], row["valid_to"] or horizon
        while day <= last:
            timeline[day] = row
            day += dt.timedelta(days=1)
    return timeline


def reference_card(rows: list[dict[str, Any]], day: dt.date) -> int | None:
    row = reference_timeline(rows).get(day)
    if row is None:
        return None
    lost = row.get("disqualified_on")
    if lost is not None and lost <= day:
        return None
    return int(row["history_no"])


def _days_to_check(rng: random.Random, rows: list[dict[str, Any]]) -> list[dt.date]:
    """Every boundary (first day, last day, the days around them, 資格喪失日) and a few more."""
    days = {_day(rng.randrange(DAYS + 30)) for _ in range(6)}
    one = dt.timedelta(days=1)
    for row in rows:
        for edge in (row["valid_from"], row["valid_to"], row.get("disqualified_on")):
            if edge is not None:
                days |= {edge - one, edge, edge + one}
    return sorted(days)


def test_the_card_valid_on_a_day_agrees_with_a_day_by_day_timeline(db: Session) -> None:
    rng = random.Random(20261207)
    disagreements: list[tuple[str, list[dict[str, Any]], dt.date, int | None, int | None]] = []
    histories = checks = 0
    for kind in cards.CARD_MODELS:
        table = cards.CARD_TABLES[kind]
        for n in range(HISTORIES_PER_KIND):
            insured_no = f"{n + 1:010d}"
            rows = _random_history(rng, kind, insured_no)
            db.execute(insert(table), rows)
            grant = grant_for(INSURER_NO, insured_no, kind)
            histories += 1
            timeline_rows = [dict(r) for r in rows]
            for day in _days_to_check(rng, rows):
                card = cards.find_card_valid_on(db, grant, kind, day)
                got = card.history_no if card is not None else None
                expected = reference_card(timeline_rows, day)
                checks += 1
                if got != expected:
                    disagreements.append((kind, rows, day, got, expected))
    print(
        f"supersession: {histories} histories, {checks} day checks, {len(disagreements)} disagreements"
    )
    assert histories == 4 * HISTORIES_PER_KIND and checks > 20 * histories
    assert disagreements == [], disagreements[:3]


def test_the_reference_model_can_tell_the_old_rule_apart() -> None:
    """The property test could fail: on the revived-row history the old rule ("the highest
    履歴番号 covering D") and the reference disagree."""
    rows = [
        {"history_no": 1, "valid_from": D(2024, 4, 1), "valid_to": None, "deleted": False},
        {
            "history_no": 2,
            "valid_from": D(2024, 4, 1),
            "valid_to": D(2024, 9, 30),
            "deleted": False,
        },
    ]
    day = D(2024, 10, 15)
    covering = [
        r["history_no"]
        for r in rows
        if r["valid_from"] <= day and (r["valid_to"] is None or day <= r["valid_to"])
    ]
    assert max(covering) == 1  # what the old rule showed
    assert reference_card(rows, day) is None
