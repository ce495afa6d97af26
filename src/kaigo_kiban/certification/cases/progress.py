"""What people see of a case's progress: the timeline, the result and the survey as read, the
care managers' list and change feed, and ``person_progress`` for the person portal. (The
municipality's overview is in ``overview``; the staff case file with the opinion in
``casefile.reading``.)

Every function that shows a person's data passes the gate first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards.formats import CARE_LEVELS
from kaigo_kiban.certification.cases import rules
from kaigo_kiban.certification.cases.formats import (
    APPLICATION_KINDS,
    DEMENTIA_INDEPENDENCE,
    OUTCOMES,
    PHYSICAL_INDEPENDENCE,
)
from kaigo_kiban.certification.cases.models import CertEvent, CertSurvey
from kaigo_kiban.certification.cases.service import (
    Case,
    describe_event,
    latest_case,
    person_cases,
    state_label,
)
from kaigo_kiban.certification.cases.survey_items import answer_labels, catalogue
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson

NORM = rules.DECISION_NORM_DAYS

# The steps of the timeline in process order: (Milestones field, label).
STEPS = (
    ("applied_on", "申請"),
    ("survey_requested_on", "認定調査の依頼"),
    ("survey_done_on", "認定調査の実施（訪問調査）"),
    ("opinion_requested_on", "主治医意見書の依頼"),
    ("opinion_received_on", "主治医意見書の入手"),
    ("primary_done_on", "一次判定"),
    ("panel_assigned_on", "介護認定審査会への割当"),
    ("panel_scheduled_on", "介護認定審査会の予定日"),
    ("panel_done_on", "介護認定審査会（二次判定）"),
)
_EXIT_LABELS = {"rejected_on": "却下", "withdrawn_on": "取下げ", "terminated_on": "終了（死亡等）"}


def timeline(case: Case, today: dt.date) -> list[dict[str, Any]]:
    """The steps with their dates, days since the application and whether each is past the
    30-day norm; the first open step of an open case is marked ``current``."""
    m = case.milestones
    applied = m.applied_on
    progress = case.progress(today)
    steps: list[dict[str, Any]] = []
    for field, label in STEPS:
        day = getattr(m, field)
        steps.append(_step(field, label, day, applied, today))
    end_label, end_day, end_field = "認定結果の決定", m.decided_on, "decided_on"
    for field, label in _EXIT_LABELS.items():
        if getattr(m, field) is not None:
            end_label, end_day, end_field = label, getattr(m, field), field
    steps.append(_step(end_field, end_label, end_day, applied, today))
    if progress.is_open:
        for step in steps:
            if not step["done"] and step["field"] != "panel_scheduled_on":
                step["current"] = True
                break
    return steps


def _step(
    field: str, label: str, day: dt.date | None, applied: dt.date | None, today: dt.date
) -> dict[str, Any]:
    elapsed = (day - applied).days if day and applied else None
    return {
        "field": field,
        "label": label,
        "date": day,
        "done": day is not None and day <= today,
        "planned": day is not None and day > today,
        "elapsed_days": elapsed,
        "over_norm": elapsed is not None and elapsed > NORM,
        "current": False,
    }


def progress_dict(progress: rules.Progress) -> dict[str, Any]:
    return {
        "state": progress.state.value,
        "label": progress.label,
        "survey_track": progress.survey_track.value,
        "opinion_track": progress.opinion_track.value,
        "elapsed_days": progress.elapsed_days,
        "overdue": progress.overdue,
        "norm_days": NORM,
        "is_open": progress.is_open,
        "next_step": progress.next_step,
        "warnings": [
            {"code": w.code, "message": w.message, "field": w.field} for w in progress.warnings
        ],
    }


def result_dict(case: Case) -> dict[str, Any] | None:
    r = case.result
    if r is None:
        return None
    return {
        "application_no": r.application_no,
        "outcome": r.outcome,
        "outcome_label": OUTCOMES.get(r.outcome, r.outcome),
        "care_level": r.care_level,
        "care_level_label": CARE_LEVELS.get(r.care_level or "", None),
        "decided_on": r.decided_on,
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "panel_remarks": r.panel_remarks,
        "card_history_no": r.card_history_no,
    }


def case_dict(case: Case, today: dt.date) -> dict[str, Any]:
    a = case.application
    return {
        "insurer_no": a.insurer_no,
        "insured_no": a.insured_no,
        "application_no": a.application_no,
        "application_kind": a.application_kind,
        "application_kind_label": APPLICATION_KINDS.get(a.application_kind, a.application_kind),
        "applied_on": a.applied_on,
        "progress": progress_dict(case.progress(today)),
        "timeline": timeline(case, today),
        "result": result_dict(case),
    }


def survey_dict(survey: CertSurvey) -> dict[str, Any]:
    """The survey for reading: answers grouped by 群, with labels."""
    cat = catalogue()
    groups = []
    for gid, name in cat.groups.items():
        items = [
            {
                "id": it.id,
                "name": it.name,
                "answer": survey.items.get(it.id),
                "label": answer_labels(it, survey.items.get(it.id)),
            }
            for it in cat.items
            if it.group == gid
        ]
        groups.append({"id": gid, "name": f"第{gid}群 {name}", "items": items})
    return {
        "surveyed_on": survey.surveyed_on,
        "groups": groups,
        "special_medical": [
            {"no": no, "label": cat.medical[no]}
            for no in survey.special_medical
            if no in cat.medical
        ],
        "physical_independence": PHYSICAL_INDEPENDENCE.get(survey.physical_independence or ""),
        "dementia_independence": DEMENTIA_INDEPENDENCE.get(survey.dementia_independence or ""),
        "overview": survey.overview,
        "notes": survey.notes,
    }


def person_progress(
    session: Session, settings: Settings, actor: Actor, insurer_no: str, insured_no: str
) -> dict[str, Any]:
    """For the person portal: the person's current case (timeline, progress, next step) and
    the latest result, through the gate (``progress``; people see their own only). No survey
    and no opinion (the policy does not show them to the person).

    Returns ``{"insurer_no", "insured_no", "case": <case> | None, "previous_result": … | None}``
    where ``<case>`` is the JSON of ``GET /api/v1/certification/cases/{insured_no}``'s ``case``.
    """
    grant = access.open_kind(session, settings, actor, insurer_no, insured_no, "progress", "read")
    today = today_jst()
    cases = person_cases(session, grant)
    current = cases[0] if cases else None
    return {
        "insurer_no": insurer_no,
        "insured_no": insured_no,
        "case": case_dict(current, today) if current else None,
        "previous_result": next((result_dict(c) for c in cases[1:] if c.result is not None), None),
    }


# --- care managers ----------------------------------------------------------------------------


def _allowed_persons(session: Session, settings: Settings, actor: Actor) -> list[Grant]:
    allowed = []
    for insurer_no, insured_no in access.open_assignments(session, actor.organization_id):
        grant = access.open_person(
            session, settings, actor, insurer_no, insured_no, ["progress"], "list"
        )
        if grant.allows("progress"):
            allowed.append(grant)
    return allowed


def office_cases(session: Session, settings: Settings, actor: Actor) -> list[dict[str, Any]]:
    """The office's assigned persons (that the gate lets it see) with their current case,
    open overdue cases first."""
    today = today_jst()
    rows: list[dict[str, Any]] = []
    for grant in _allowed_persons(session, settings, actor):
        insurer_no, insured_no = grant.person
        case = latest_case(session, grant)
        person = session.get(InsuredPerson, grant.person)
        rows.append(
            {
                "person": person,
                "insurer_no": insurer_no,
                "insured_no": insured_no,
                "case": summary(case, today) if case else None,
            }
        )
    rows.sort(key=lambda r: _urgency(r["case"]))
    return rows


def summary(case: Case, today: dt.date) -> dict[str, Any]:
    p = case.progress(today)
    return {
        "application_no": case.application.application_no,
        "application_kind_label": APPLICATION_KINDS.get(case.application.application_kind, ""),
        "applied_on": case.application.applied_on,
        "state": p.state.value,
        "label": p.label,
        "elapsed_days": p.elapsed_days,
        "overdue": p.overdue,
        "is_open": p.is_open,
        "next_step": p.next_step,
    }


def _urgency(summary: dict[str, Any] | None) -> tuple[int, int]:
    if summary is None:
        return (3, 0)
    if summary["is_open"]:
        return (0 if summary["overdue"] else 1, -(summary["elapsed_days"] or 0))
    return (2, 0)


def office_events(
    session: Session, settings: Settings, actor: Actor, *, since_id: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """Changes to the cases of the office's assigned persons, newest first."""
    persons = [grant.person for grant in _allowed_persons(session, settings, actor)]
    if not persons:
        return []
    events = session.scalars(
        select(CertEvent)
        .where(
            tuple_(CertEvent.insurer_no, CertEvent.insured_no).in_(persons),
            CertEvent.id > since_id,
        )
        .order_by(CertEvent.id.desc())
        .limit(limit)
    )
    names = {
        (p.insurer_no, p.insured_no): p.name_kanji
        for p in session.scalars(
            select(InsuredPerson).where(
                tuple_(InsuredPerson.insurer_no, InsuredPerson.insured_no).in_(persons)
            )
        )
    }
    return [event_dict(e, names.get((e.insurer_no, e.insured_no))) for e in events]


def event_dict(event: CertEvent, name: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "occurred_at": event.occurred_at,
        "insurer_no": event.insurer_no,
        "insured_no": event.insured_no,
        "name": name,
        "application_no": event.application_no,
        "field": event.field,
        "action": event.action,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "description": describe_event(event),
        "state_before": event.state_before,
        "state_after": event.state_after,
        "state_before_label": state_label(event.state_before),
        "state_after_label": state_label(event.state_after),
    }
