"""Certification progress derived from milestone dates (docs/domain.md §3.2)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.certification.cases.rules import (
    DECISION_NORM_DAYS,
    MILESTONE_FIELDS,
    CareLevel,
    Milestones,
    ProgressState,
    TrackState,
    derive_progress,
    record_milestone,
)
from kaigo_kiban.core.errors import InvalidInput

D = dt.date
APPLIED = D(2026, 4, 1)
TODAY = D(2026, 4, 20)
S = ProgressState


def progress(today=TODAY, **dates):
    return derive_progress(Milestones(applied_on=APPLIED, **dates), today)


def codes(p):
    return [w.code for w in p.warnings]


def day(n: int) -> dt.date:
    return APPLIED + dt.timedelta(days=n)


FULL = dict(
    survey_requested_on=day(1),
    survey_done_on=day(5),
    opinion_requested_on=day(1),
    opinion_received_on=day(8),
    primary_done_on=day(9),
    panel_assigned_on=day(10),
    panel_scheduled_on=day(15),
    panel_done_on=day(15),
    decided_on=day(16),
    result=CareLevel.CARE_2,
)


def upto(*names):
    return {k: FULL[k] for k in names}


# --- one example per state ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "state", "survey", "opinion"),
    [
        ({}, S.APPLIED, "NOT_REQUESTED", "NOT_REQUESTED"),
        (upto("survey_requested_on"), S.SURVEY_REQUESTED, "REQUESTED", "NOT_REQUESTED"),
        (upto("survey_requested_on", "survey_done_on"), S.SURVEY_DONE, "DONE", "NOT_REQUESTED"),
        (upto("opinion_requested_on"), S.OPINION_REQUESTED, "NOT_REQUESTED", "REQUESTED"),
        (
            upto("opinion_requested_on", "opinion_received_on"),
            S.OPINION_RECEIVED,
            "NOT_REQUESTED",
            "DONE",
        ),
    ],
)
def test_track_states_before_primary_assessment(dates, state, survey, opinion):
    p = progress(**dates)
    assert p.state is state
    assert (p.survey_track, p.opinion_track) == (TrackState(survey), TrackState(opinion))
    assert p.warnings == ()


def test_tracks_run_in_parallel_and_the_further_one_names_the_state():
    p = progress(**upto("survey_requested_on", "opinion_requested_on", "opinion_received_on"))
    assert p.state is S.OPINION_RECEIVED
    assert (p.survey_track, p.opinion_track) == (TrackState.REQUESTED, TrackState.DONE)
    assert p.next_step == "認定調査の実施"


def test_equal_tracks_are_named_by_the_survey():
    assert progress(**upto("survey_requested_on", "opinion_requested_on")).state is (
        S.SURVEY_REQUESTED
    )
    both_done = upto(
        "survey_requested_on", "survey_done_on", "opinion_requested_on", "opinion_received_on"
    )
    p = progress(**both_done)
    assert p.state is S.SURVEY_DONE
    assert p.next_step == "一次判定"


@pytest.mark.parametrize(
    ("last", "state", "next_step"),
    [
        ("primary_done_on", S.PRIMARY_DONE, "介護認定審査会への割当"),
        ("panel_assigned_on", S.PANEL_SCHEDULED, "介護認定審査会（二次判定）の開催"),
        ("panel_scheduled_on", S.PANEL_SCHEDULED, "介護認定審査会（二次判定）の開催（予定日"),
        ("panel_done_on", S.PANEL_DONE, "認定結果の通知"),
    ],
)
def test_states_after_both_tracks(last, state, next_step):
    names = list(FULL)[: list(FULL).index(last) + 1]
    if last == "panel_scheduled_on":
        names.remove("panel_assigned_on")
    p = progress(**upto(*names))
    assert p.state is state
    assert (p.survey_track, p.opinion_track) == (TrackState.DONE, TrackState.DONE)
    assert p.next_step.startswith(next_step)
    assert p.is_open
    assert p.warnings == ()


def test_certified_reports_level_and_stops_the_clock():
    p = progress(today=D(2026, 9, 1), **FULL)
    assert p.state is S.CERTIFIED
    assert p.label == "認定済（要介護2）"
    assert (p.elapsed_days, p.overdue, p.is_open, p.next_step) == (16, False, False, None)


def test_not_eligible_result():
    p = progress(**{**FULL, "result": CareLevel.NOT_ELIGIBLE})
    assert (p.state, p.label) == (S.NOT_ELIGIBLE, "非該当")


@pytest.mark.parametrize(
    ("field", "state"),
    [("rejected_on", S.REJECTED), ("withdrawn_on", S.WITHDRAWN), ("terminated_on", S.TERMINATED)],
)
def test_exits(field, state):
    p = progress(**upto("survey_requested_on"), **{field: day(3)})
    assert p.state is state
    assert (p.elapsed_days, p.is_open, p.overdue, p.next_step) == (3, False, False, None)


# --- elapsed days and the 30-day norm ---------------------------------------------------------


@pytest.mark.parametrize(("days", "overdue"), [(29, False), (30, False), (31, True)])
def test_open_case_is_overdue_from_day_31(days, overdue):
    p = progress(today=day(days))
    assert p.elapsed_days == days
    assert p.overdue is overdue
    assert DECISION_NORM_DAYS == 30


@pytest.mark.parametrize(("days", "overdue"), [(30, False), (31, True)])
def test_decision_on_day_30_is_in_time_and_day_31_is_late(days, overdue):
    p = progress(today=day(90), **{**FULL, "decided_on": day(days)})
    assert (p.elapsed_days, p.overdue) == (days, overdue)


def test_no_application_date_means_no_elapsed_days():
    p = derive_progress(Milestones(survey_requested_on=TODAY), TODAY)
    assert p.elapsed_days is None
    assert "CT-NO-APPLICATION" in codes(p)
    assert "CT-MISSING-EARLIER" in codes(p)


# --- inconsistencies are warnings ------------------------------------------------------------


def test_survey_done_before_requested_is_a_warning():
    p = progress(survey_requested_on=day(5), survey_done_on=day(2))
    assert p.state is S.SURVEY_DONE
    assert codes(p) == ["CT-DATE-ORDER"]
    assert p.warnings[0].field == "survey_done_on"


def test_decision_before_application_is_a_warning():
    p = progress(**{**FULL, "decided_on": APPLIED - dt.timedelta(days=2)})
    assert p.state is S.CERTIFIED
    assert p.elapsed_days == -2
    assert "CT-DATE-ORDER" in codes(p)


def test_later_milestone_implies_earlier_ones_and_flags_them():
    p = progress(panel_done_on=day(20))
    assert p.state is S.PANEL_DONE
    assert (p.survey_track, p.opinion_track) == (TrackState.DONE, TrackState.DONE)
    missing = [w.field for w in p.warnings if w.code == "CT-MISSING-EARLIER"]
    assert missing == [
        "survey_requested_on",
        "survey_done_on",
        "opinion_requested_on",
        "opinion_received_on",
        "primary_done_on",
        "panel_assigned_on",
    ]


def test_future_dates_are_flagged_except_the_planned_panel_date():
    p = progress(**{**upto(*list(FULL)[:5]), "panel_scheduled_on": day(60)})
    assert p.warnings == ()
    p = progress(survey_requested_on=TODAY + dt.timedelta(days=1))
    assert codes(p) == ["CT-FUTURE-DATE"]


def test_decision_without_result_stays_panel_done_with_a_warning():
    p = progress(**{**FULL, "result": None})
    assert p.state is S.PANEL_DONE
    assert "CT-NO-RESULT" in codes(p)
    assert not p.is_open
    assert p.next_step == "認定結果（要介護状態区分）の登録"


def test_result_without_decision_date_closes_the_case_without_elapsed_days():
    dates = {k: v for k, v in FULL.items() if k != "decided_on"}
    p = progress(**dates)
    assert p.state is S.CERTIFIED
    assert (p.elapsed_days, p.is_open) == (None, False)
    assert codes(p) == ["CT-NO-DECISION-DATE"]


def test_program_eligible_is_not_a_certification_result():
    p = progress(**{**FULL, "result": CareLevel.PROGRAM_ELIGIBLE})
    assert p.state is S.NOT_ELIGIBLE
    assert "CT-RESULT-PROGRAM" in codes(p)


def test_several_exits_take_the_earliest_and_warn():
    p = progress(withdrawn_on=day(5), terminated_on=day(3))
    assert p.state is S.TERMINATED
    assert "CT-MULTIPLE-EXITS" in codes(p)
    same_day = progress(withdrawn_on=day(5), rejected_on=day(5))
    assert same_day.state is S.WITHDRAWN


def test_withdrawal_after_decision_is_flagged_but_death_is_not():
    assert "CT-EXIT-AFTER-DECISION" in codes(progress(**FULL, withdrawn_on=day(40)))
    assert "CT-EXIT-AFTER-DECISION" not in codes(progress(**FULL, terminated_on=day(40)))


def test_death_after_decision_keeps_the_decision_as_the_end_of_the_clock():
    p = progress(today=day(200), **FULL, terminated_on=day(100))
    assert (p.state, p.elapsed_days, p.is_open) == (S.TERMINATED, 16, False)


def test_exit_before_application_is_flagged():
    assert "CT-DATE-ORDER" in codes(progress(withdrawn_on=APPLIED - dt.timedelta(days=1)))


def test_unknown_milestone_is_rejected():
    with pytest.raises(InvalidInput):
        record_milestone(Milestones(), "result", TODAY)
    with pytest.raises(InvalidInput):
        record_milestone(Milestones(), "survey_on", TODAY)


def test_care_level_codes_and_labels():
    assert [(lv.value, lv.label) for lv in CareLevel] == [
        ("01", "非該当"),
        ("06", "事業対象者"),
        ("11", "要支援（経過的要介護）"),
        ("12", "要支援1"),
        ("13", "要支援2"),
        ("21", "要介護1"),
        ("22", "要介護2"),
        ("23", "要介護3"),
        ("24", "要介護4"),
        ("25", "要介護5"),
    ]
    assert CareLevel.from_code("13") is CareLevel.SUPPORT_2
    with pytest.raises(InvalidInput, match="99"):
        CareLevel.from_code("99")


# --- properties ----------------------------------------------------------------------------

EXITS = ["withdrawn_on", "rejected_on", "terminated_on"]
HAPPY = [f for f in MILESTONE_FIELDS if f not in EXITS]
TODAY_P = D(2026, 12, 31)


@st.composite
def timelines(draw):
    """A consistent timeline: each happy-path milestone on or after the one before."""
    start = draw(st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 6, 30)))
    offsets = sorted(draw(st.lists(st.integers(0, 120), min_size=len(HAPPY), max_size=len(HAPPY))))
    dates = {f: start + dt.timedelta(days=o) for f, o in zip(HAPPY, offsets, strict=True)}
    dates["panel_scheduled_on"] = dates["panel_assigned_on"] + dt.timedelta(
        days=draw(st.integers(0, 10))
    )
    result = draw(st.sampled_from([lv for lv in CareLevel if lv is not CareLevel.PROGRAM_ELIGIBLE]))
    return dates, result


def build(dates: dict, result=None) -> Milestones:
    return Milestones(**dates, result=result)


@given(timelines(), st.data())
def test_arrival_order_does_not_matter(timeline, data):
    dates, _ = timeline
    chosen = data.draw(st.lists(st.sampled_from(list(dates)), unique=True))
    order = data.draw(st.permutations(chosen))
    m = Milestones()
    for name in order:
        m = record_milestone(m, name, dates[name])
    at_once = build({k: dates[k] for k in chosen})
    assert m == at_once
    assert derive_progress(m, TODAY_P) == derive_progress(at_once, TODAY_P)


@given(timelines(), st.data())
def test_adding_a_milestone_never_moves_backwards(timeline, data):
    dates, result = timeline
    fields = [*dates, "result"]
    chosen = data.draw(st.lists(st.sampled_from(fields), unique=True))
    extra = data.draw(st.sampled_from(fields))
    values = {**dates, "result": result}

    def state(names):
        return derive_progress(
            build(
                {k: values[k] for k in names if k != "result"},
                values["result"] if "result" in names else None,
            ),
            TODAY_P,
        ).state

    before, after = state(chosen), state({*chosen, extra})
    assert after.rank >= before.rank


@given(timelines())
def test_consistent_timeline_has_no_order_warnings(timeline):
    dates, result = timeline
    p = derive_progress(build(dates, result), TODAY_P)
    assert p.warnings == ()
    assert p.state in (S.CERTIFIED, S.NOT_ELIGIBLE)


@given(timelines(), st.integers(-40, 40), st.integers(-40, 40))
def test_corrected_dates_recompute_elapsed_days(timeline, shift_applied, shift_decided):
    dates, result = timeline
    m = build(dates, result)
    applied = dates["applied_on"] + dt.timedelta(days=shift_applied)
    decided = dates["decided_on"] + dt.timedelta(days=shift_decided)
    corrected = record_milestone(record_milestone(m, "applied_on", applied), "decided_on", decided)
    p = derive_progress(corrected, TODAY_P)
    assert p.elapsed_days == (decided - applied).days
    assert p.overdue is ((decided - applied).days > DECISION_NORM_DAYS)
    reopened = derive_progress(
        dataclasses.replace(corrected, decided_on=None, result=None), TODAY_P
    )
    assert reopened.elapsed_days == (TODAY_P - applied).days


@given(timelines(), st.data())
def test_exits_dominate(timeline, data):
    dates, result = timeline
    chosen = data.draw(st.lists(st.sampled_from(list(dates)), unique=True))
    exits = data.draw(st.lists(st.sampled_from(EXITS), min_size=1, unique=True))
    exit_days = {e: data.draw(st.dates(D(2025, 1, 1), TODAY_P)) for e in exits}
    p = derive_progress(build({**{k: dates[k] for k in chosen}, **exit_days}, result), TODAY_P)
    first = min(exit_days.values())
    expected = {
        "terminated_on": S.TERMINATED,
        "withdrawn_on": S.WITHDRAWN,
        "rejected_on": S.REJECTED,
    }
    assert p.state in {expected[e] for e, d in exit_days.items() if d == first}
    assert p.state.rank is None
    assert (p.is_open, p.overdue, p.next_step) == (False, False, None)


optional_dates = st.none() | st.dates(D(2024, 1, 1), D(2027, 12, 31))


@given(
    st.fixed_dictionaries({f: optional_dates for f in MILESTONE_FIELDS}),
    st.none() | st.sampled_from(list(CareLevel)),
    st.dates(D(2024, 1, 1), D(2027, 12, 31)),
)
def test_any_dates_give_a_state_never_an_error(dates, result, today):
    p = derive_progress(Milestones(**dates, result=result), today)
    assert p.label.startswith(p.state.label)
    if p.is_open:
        assert p.next_step
