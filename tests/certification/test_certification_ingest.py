"""The five certification file kinds through the real intake: good files, bad files (every error
with its line and column), late and corrected dates, results reaching the card."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.cards import service as cards
from kaigo_kiban.certification.cases import formats
from kaigo_kiban.certification.cases.models import (
    CertApplication,
    CertEvent,
    CertMilestone,
    CertSurvey,
)
from kaigo_kiban.certification.cases.rules import CareLevel, ProgressState
from kaigo_kiban.certification.cases.service import latest_case
from kaigo_kiban.certification.opinions.models import OpinionRequest
from kaigo_kiban.registry.models import InsuredPerson
from tests.certification.conftest import (
    CLINIC_CODE,
    LAYOUTS,
    OTHER,
    PERSON,
    World,
    application_row,
    milestone_row,
    request_row,
    result_row,
    survey_row,
)
from tests.factories import INSURER_NO, grant_for

D = dt.date
APP = "2026000001"


def _col(kind: str, name: str) -> int:
    return LAYOUTS[kind].names.index(name) + 1


def _case(db: Session):  # type: ignore[no-untyped-def]
    case = latest_case(db, grant_for(INSURER_NO, PERSON, "progress"))
    assert case is not None
    return case


def test_application_file_is_committed_and_the_case_starts_as_applied(
    db: Session, world: World
) -> None:
    report = world.send(db, "cert_application", [application_row()])
    assert report.status == "committed", report.to_dict()
    progress = _case(db).progress(D(2026, 4, 5))
    assert progress.state is ProgressState.APPLIED
    assert progress.elapsed_days == 4
    assert progress.next_step == "認定調査の依頼・主治医意見書の依頼"


def test_application_file_with_bad_cells_changes_nothing_and_reports_line_and_column(
    db: Session, world: World
) -> None:
    rows = [
        application_row("2026000001"),
        application_row("2026000002", application_kind="7", applied_on="20260231"),
        application_row("2026000003", insured_no="0000000099"),
        application_row("2026000001"),
    ]
    report = world.send(db, "cert_application", rows)
    assert report.status == "rejected"
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert (3, _col("cert_application", "application_kind"), "ING-CODE") in found
    assert (3, _col("cert_application", "applied_on"), "ING-DATE") in found
    assert all(e.message for e in report.errors)
    assert db.scalar(select(func.count()).select_from(CertApplication)) == 0


def test_unknown_person_and_duplicate_keys_are_reported_with_their_lines(
    db: Session, world: World
) -> None:
    rows = [
        application_row("2026000001"),
        application_row("2026000003", insured_no="0000000099"),
        application_row("2026000001"),
    ]
    report = world.send(db, "cert_application", rows)
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert (3, _col("cert_application", "insured_no"), "ING-UNKNOWN-PERSON") in found
    assert any(e.line == 4 and e.code == "ING-DUPLICATE-KEY" for e in report.errors)
    assert report.status == "rejected"


def test_milestones_arriving_late_and_out_of_order_give_the_same_progress(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    # The panel date arrives first; the survey and the opinion dates come in a later file.
    assert world.send(db, "cert_milestone", [milestone_row("43", D(2026, 4, 25))]).status == (
        "committed"
    )
    early = _case(db).progress(D(2026, 4, 26))
    assert early.state is ProgressState.PANEL_DONE
    assert {w.code for w in early.warnings} == {"CT-MISSING-EARLIER"}
    late = [
        milestone_row("11", D(2026, 4, 2)),
        milestone_row("12", D(2026, 4, 9)),
        milestone_row("21", D(2026, 4, 2)),
        milestone_row("22", D(2026, 4, 15)),
        milestone_row("31", D(2026, 4, 17)),
        milestone_row("41", D(2026, 4, 18)),
    ]
    assert world.send(db, "cert_milestone", late).status == "committed"
    progress = _case(db).progress(D(2026, 4, 26))
    assert progress.state is ProgressState.PANEL_DONE
    assert progress.warnings == ()
    assert progress.next_step == "認定結果の通知"


def test_corrected_milestone_date_recomputes_and_the_old_date_stays_in_the_log(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_milestone", [milestone_row("12", D(2026, 4, 20))])
    clash = world.send(db, "cert_milestone", [milestone_row("12", D(2026, 4, 9))])
    assert clash.status == "rejected"
    assert [(e.line, e.column, e.code) for e in clash.errors] == [
        (2, _col("cert_milestone", "day"), "CT-MILESTONE-EXISTS")
    ]
    fixed = world.send(
        db, "cert_milestone", [milestone_row("12", D(2026, 4, 9), correction_kind="2")]
    )
    assert fixed.status == "committed"
    stored = db.get(CertMilestone, (INSURER_NO, APP, "12"))
    assert stored is not None and stored.day == D(2026, 4, 9)
    log = db.scalars(
        select(CertEvent).where(CertEvent.field == "survey_done_on").order_by(CertEvent.id)
    ).all()
    assert [(e.action, e.old_value, e.new_value) for e in log] == [
        ("set", None, "2026-04-20"),
        ("corrected", "2026-04-20", "2026-04-09"),
    ]
    cleared = world.send(db, "cert_milestone", [milestone_row("12", None, correction_kind="3")])
    assert cleared.status == "committed"
    assert db.get(CertMilestone, (INSURER_NO, APP, "12")) is None


def test_milestone_of_an_unknown_application_or_without_a_date_is_rejected(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    report = world.send(
        db,
        "cert_milestone",
        [milestone_row("11", D(2026, 4, 2), no="2026999999"), milestone_row("21", None)],
    )
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert found == {
        (2, _col("cert_milestone", "application_no"), "CT-UNKNOWN-APPLICATION"),
        (3, _col("cert_milestone", "day"), "ING-REQUIRED"),
    }


def test_result_reaches_the_card_as_a_fact_with_the_new_care_level_validity_and_limit(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    before = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", D(2026, 5, 1)
    )
    assert before is not None and before.care_level == "21" and before.history_no == 1
    assert world.send(db, "cert_result", [result_row()]).status == "committed"
    card = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", D(2026, 5, 1)
    )
    assert card is not None
    # Shown over the municipality's own row 1: its 履歴番号 sequence is untouched.
    assert (card.history_no, card.care_level, card.benefit_limit_units) == (1, "22", 19_705)
    assert [f.source_label for f in card.platform_facts] == ["認定結果"]
    assert (card.cert_valid_from, card.cert_valid_to) == (D(2026, 4, 1), D(2026, 9, 30))
    assert card.application_status == "3"
    assert card.name_kanji == before.name_kanji
    # Before the new validity starts the previous row is still the current card.
    older = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", D(2026, 3, 1)
    )
    assert older is not None and older.history_no == 1 and older.care_level == "21"
    assert older.platform_facts == ()
    person = db.get(InsuredPerson, (INSURER_NO, PERSON))
    assert person is not None and person.latest_history_no == 1
    case = _case(db)
    assert case.result is not None and case.result.card_history_no == 1
    progress = case.progress(D(2026, 5, 1))
    assert progress.state is ProgressState.CERTIFIED and progress.elapsed_days == 27
    assert case.milestones.result is CareLevel.CARE_2


def test_same_result_again_is_a_no_op_and_a_correction_replaces_its_fact(
    db: Session, world: World
) -> None:
    world.send(
        db,
        "cert_application",
        [application_row(), application_row("2026000002", insured_no=OTHER)],
    )
    world.send(db, "cert_result", [result_row()])
    # A later file repeats the first result (unchanged) next to a new one.
    again = world.send(db, "cert_result", [result_row(), result_row("2026000002")])
    assert again.status == "committed"
    unchanged = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", D(2026, 5, 1)
    )
    assert unchanged is not None and unchanged.history_no == 1
    assert len(unchanged.platform_facts) == 1
    different = world.send(db, "cert_result", [result_row(care_level="23")])
    assert [e.code for e in different.errors] == ["CT-RECORD-EXISTS"]
    fixed = world.send(db, "cert_result", [result_row(care_level="23", correction_kind="2")])
    assert fixed.status == "committed"
    card = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", D(2026, 5, 1)
    )
    assert card is not None and (card.history_no, card.care_level) == (1, "23")
    assert card.benefit_limit_units == 27_048
    assert len(card.platform_facts) == 1  # the corrected result replaced its fact


def test_result_codes_are_checked_and_exits_end_the_case(db: Session, world: World) -> None:
    world.send(
        db,
        "cert_application",
        [application_row(), application_row("2026000002", insured_no=OTHER)],
    )
    bad = world.send(
        db,
        "cert_result",
        [
            result_row(care_level=None),
            result_row("2026000002", outcome="3", care_level="21"),
        ],
    )
    found = {(e.line, e.column, e.code) for e in bad.errors}
    assert found == {
        (2, _col("cert_result", "care_level"), "CT-RESULT-LEVEL-REQUIRED"),
        (3, _col("cert_result", "care_level"), "CT-RESULT-LEVEL-UNEXPECTED"),
    }
    withdrawn = result_row(
        "2026000002", outcome="3", care_level=None, valid_from=None, valid_to=None
    )
    assert world.send(db, "cert_result", [withdrawn]).status == "committed"
    case = latest_case(db, grant_for(INSURER_NO, OTHER, "progress"))
    assert case is not None and case.progress(D(2026, 5, 1)).state is ProgressState.WITHDRAWN
    card = cards.find_card_valid_on(
        db, grant_for(INSURER_NO, OTHER, "insurance_card"), "insurance_card", D(2026, 5, 1)
    )
    assert card is not None and card.history_no == 1


def test_survey_answers_are_checked_against_the_catalogue(db: Session, world: World) -> None:
    world.send(db, "cert_application", [application_row()])
    report = world.send(
        db,
        "cert_survey",
        [survey_row(item_1_1="1 3", item_1_5="5", item_1_2="9")],
    )
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert (2, _col("cert_survey", "item_1_5"), "ING-CODE") in found
    assert report.status == "rejected"
    # Multi-select codes are checked once the cells are well-formed.
    multi = world.send(db, "cert_survey", [survey_row(item_1_1="1 3", item_1_2="9")])
    found = {(e.line, e.column, e.code) for e in multi.errors}
    assert found == {
        (2, _col("cert_survey", "item_1_1"), "CT-SURVEY-MULTI"),
        (2, _col("cert_survey", "item_1_2"), "CT-SURVEY-MULTI"),
    }


def test_survey_is_stored_and_records_the_visit_date_when_none_was_sent(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    assert len(formats.CERT_SURVEY.columns) == 2 + 1 + 55 + 12 + 2 + 2 + 1
    assert world.send(db, "cert_survey", [survey_row()]).status == "committed"
    survey = db.get(CertSurvey, (INSURER_NO, APP))
    assert survey is not None
    assert survey.items["1-1"] == [2, 5] and survey.items["5-6"] == 1
    assert len(survey.items) == 55 and survey.special_medical == [5]
    visit = db.get(CertMilestone, (INSURER_NO, APP, "12"))
    assert visit is not None and visit.day == D(2026, 4, 10) and visit.source_file_id == 0


def test_opinion_request_file_opens_the_person_to_that_clinic_only(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    before = access.open_person(
        db, world.settings, world.clinic, INSURER_NO, PERSON, ["opinion"]
    ).decision("opinion")
    assert before.reason == "NO-OPINION-REQUEST"
    assert world.send(db, "opinion_request", [request_row()]).status == "committed"
    after = access.open_person(
        db, world.settings, world.clinic, INSURER_NO, PERSON, ["opinion"]
    ).decision("opinion")
    assert after.allowed
    other = access.open_person(
        db, world.settings, world.clinic, INSURER_NO, OTHER, ["opinion"]
    ).decision("opinion")
    assert not other.allowed
    requested = db.get(CertMilestone, (INSURER_NO, APP, "21"))
    assert requested is not None and requested.day == request_row()["requested_on"]
    cancelled = world.send(db, "opinion_request", [request_row(correction_kind="3")])
    assert cancelled.status == "committed"
    request = db.scalar(select(OpinionRequest))
    assert request is not None and request.status == "cancelled"
    assert (
        not access.open_person(db, world.settings, world.clinic, INSURER_NO, PERSON, ["opinion"])
        .decision("opinion")
        .allowed
    )


def test_opinion_request_naming_another_person_than_the_application_is_rejected(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    report = world.send(db, "opinion_request", [request_row(insured_no=OTHER)])
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (2, _col("opinion_request", "insured_no"), "CT-PERSON-MISMATCH")
    ]
    assert CLINIC_CODE  # the clinic of the fixtures


def test_deleted_application_disappears_from_the_cases(db: Session, world: World) -> None:
    world.send(db, "cert_application", [application_row()])
    assert world.send(db, "cert_application", [application_row(correction_kind="3")]).status == (
        "committed"
    )
    assert latest_case(db, grant_for(INSURER_NO, PERSON, "progress")) is None
    reused = world.send(db, "cert_application", [application_row(applied_on=D(2026, 4, 2))])
    assert [e.code for e in reused.errors] == ["CT-APPLICATION-DELETED"]
