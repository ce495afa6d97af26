"""What the platform derives (a certification result, an accepted 届出) is kept apart from the
municipality's 履歴番号 sequence, merged over the card at read time, resolved by the
municipality's next file, and undone when its source is deleted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kaigo_kiban.cards import service as cards
from tests.certification.conftest import PERSON, World, application_row, result_row
from tests.factories import INSURER_NO, grant_for, ingest, insurance_card_row, write_card_file

D = dt.date
DAY = D(2026, 5, 1)


def _card(db: Session, day: dt.date = DAY):  # type: ignore[no-untyped-def]
    grant = grant_for(INSURER_NO, PERSON, "insurance_card")
    return cards.find_card_valid_on(db, grant, "insurance_card", day)


def _send_card(db: Session, world: World, row: dict[str, str]):  # type: ignore[no-untyped-def]
    return ingest(db, write_card_file(world.tmp, "insurance_card", [row]), world.settings)


def _municipal_row_2(**fields: str) -> dict[str, str]:
    """The municipality's own next version of the card (履歴番号 2), as its system sends it."""
    row = insurance_card_row(
        PERSON,
        history_no="2",
        change_kind="2",
        change_reason="99",
        valid_from="20260401",
        cert_valid_from="20260401",
        cert_valid_to="20260930",
        benefit_limit_units="19705",
    )
    row.update(fields)
    return row


def test_the_municipality_s_next_history_number_is_accepted_after_a_result(
    db: Session, world: World
) -> None:
    """The platform no longer takes 履歴番号 2 itself, so the municipality's own 2 is not
    refused (ING-HISTORY-EXISTS) — and, saying the same, it confirms the platform's fact."""
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row()])  # 要介護2 from 2026-04-01
    assert (_card(db).history_no, _card(db).care_level) == (1, "22")
    report = _send_card(db, world, _municipal_row_2(care_level="22"))
    assert report.status == "committed", [e.code for e in report.errors]
    card = _card(db)
    assert (card.history_no, card.care_level, card.platform_facts) == (2, "22", ())
    assert cards.contradicted_facts(db, INSURER_NO) == []


def test_a_municipal_file_that_says_otherwise_wins_and_the_conflict_is_listed(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row()])  # the platform derived 要介護2
    _send_card(db, world, _municipal_row_2(care_level="23"))
    card = _card(db)
    assert (card.history_no, card.care_level, card.platform_facts) == (2, "23", ())
    [conflict] = cards.contradicted_facts(db, INSURER_NO)
    assert (conflict.insured_no, conflict.source_label) == (PERSON, "認定結果")
    assert conflict.changes["care_level"] == "22"


def test_deleting_a_result_removes_what_it_caused_on_the_card(db: Session, world: World) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row(care_level="23")])
    assert _card(db).care_level == "23"
    deleted = world.send(db, "cert_result", [result_row(care_level="23", correction_kind="3")])
    assert deleted.status == "committed"
    card = _card(db)
    assert (card.history_no, card.care_level, card.platform_facts) == (1, "21", ())


def test_a_fact_applies_from_its_first_day_only(db: Session, world: World) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row(valid_from=D(2026, 6, 1), valid_to=D(2026, 11, 30))])
    assert _card(db, D(2026, 5, 31)).care_level == "21"
    assert _card(db, D(2026, 6, 1)).care_level == "22"


def test_the_municipal_history_stays_the_municipality_s(db: Session, world: World) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row()])
    history = cards.list_card_history(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card"
    )
    assert [h.history_no for h in history] == [1]


def test_the_municipality_sees_the_conflict_on_the_person_s_card_page_data(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_result", [result_row()])
    _send_card(db, world, _municipal_row_2(care_level="23"))
    shown = cards.read_cards(
        db, world.settings, world.city, INSURER_NO, PERSON, DAY, with_history=True
    )
    [conflict] = shown["insurance_card"]["conflicts"]
    assert conflict.resolution == "contradicted" and conflict.resolved_by_file_id
    assert cards.contradicted_count(db, INSURER_NO) == 1
    offices = cards.read_cards(
        db, world.settings, world.cm, INSURER_NO, PERSON, DAY, with_history=True
    )
    assert (
        "conflicts" not in offices["insurance_card"]
    )  # the municipality's review, not the office's
