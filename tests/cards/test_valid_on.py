""" "The card valid on date D": boundaries, qualification loss, late older history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.settings import Settings
from tests.factories import (
    INSURER_NO,
    copay_card_row,
    grant_for,
    ingest,
    insurance_card_row,
    make_insurer,
    write_card_file,
)

D = dt.date


def _valid(db: Session, kind: str, day: dt.date):  # type: ignore[no-untyped-def]
    return cards.find_card_valid_on(db, grant_for(INSURER_NO, "0000000001", kind), kind, day)


def test_card_is_valid_on_its_first_and_last_day_and_not_outside(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    ingest(
        db,
        write_card_file(
            tmp_path, "copay_card", [copay_card_row(valid_from="20240801", valid_to="20250731")]
        ),
        settings,
    )
    assert _valid(db, "copay_card", D(2024, 7, 31)) is None
    assert _valid(db, "copay_card", D(2024, 8, 1)) is not None
    assert _valid(db, "copay_card", D(2025, 7, 31)) is not None
    assert _valid(db, "copay_card", D(2025, 8, 1)) is None


def test_qualification_lost_means_invalid_from_the_loss_date(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    row = insurance_card_row(disqualified_on="20250501")
    ingest(db, write_card_file(tmp_path, "insurance_card", [row]), settings)
    assert (
        _valid(db, "insurance_card", D(2025, 4, 30)) is not None
    )  # the day before the loss: valid
    assert _valid(db, "insurance_card", D(2025, 5, 1)) is None  # 資格喪失日: no longer valid


def test_older_history_arriving_after_a_newer_one_does_not_supersede(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    newer = insurance_card_row(
        history_no="2",
        care_level="23",
        change_kind="2",
        change_reason="99",
        name_kanji="山田 太朗",
        valid_from="20240401",
    )
    older = insurance_card_row(history_no="1", care_level="21", valid_from="20240401")
    ingest(db, write_card_file(tmp_path, "insurance_card", [newer]), settings)
    report = ingest(db, write_card_file(tmp_path, "insurance_card", [older]), settings)
    assert report.status == "committed"
    assert _valid(db, "insurance_card", D(2024, 6, 1)).history_no == 2
    history = cards.list_card_history(
        db, grant_for(INSURER_NO, "0000000001", "insurance_card"), "insurance_card"
    )
    assert [h.history_no for h in history] == [2, 1]
    from kaigo_kiban.registry.service import get_person

    assert (
        get_person(db, INSURER_NO, "0000000001").name_kanji == "山田 太朗"
    )  # registry follows the newest


def test_deleted_history_is_readable_but_never_current(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    from kaigo_kiban.registry.service import get_person

    renamed = {"change_kind": "2", "change_reason": "99", "name_kanji": "山田 太朗"}
    rows = [
        insurance_card_row(),
        insurance_card_row(history_no="2", care_level="24", **renamed),
    ]
    ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    assert get_person(db, INSURER_NO, "0000000001").latest_history_no == 2
    delete = insurance_card_row(history_no="2", care_level="24", correction_kind="3", **renamed)
    assert (
        ingest(db, write_card_file(tmp_path, "insurance_card", [delete]), settings).status
        == "committed"
    )
    assert _valid(db, "insurance_card", D(2024, 6, 1)).history_no == 1
    person = get_person(db, INSURER_NO, "0000000001")  # re-derived from the newest live card
    assert (person.latest_history_no, person.name_kanji) == (1, "山田 太郎")
    assert [
        h.deleted
        for h in cards.list_card_history(
            db, grant_for(INSURER_NO, "0000000001", "insurance_card"), "insurance_card"
        )
    ] == [True, False]


def test_correction_replaces_content_and_keeps_the_old_version(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    from sqlalchemy import select

    from kaigo_kiban.cards.models import CardRevision

    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    fix = insurance_card_row(care_level="22", correction_kind="2")
    assert (
        ingest(db, write_card_file(tmp_path, "insurance_card", [fix]), settings).status
        == "committed"
    )
    assert _valid(db, "insurance_card", D(2024, 6, 1)).care_level == "22"
    revision = db.scalars(select(CardRevision)).one()
    assert revision.content["care_level"] == "21"
