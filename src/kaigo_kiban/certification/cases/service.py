"""Cases as stored facts → ``rules.Milestones``; the change log (``cert_event``); dates the
platform itself witnessed (``set_platform_milestone``).

A case is one application with its dates and its result. Its progress is always recomputed by
``rules.derive_progress`` from those dates (never stored); the change log records, for every
change, the state before and after so feeds and webhooks can say what moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.certification.cases import rules
from kaigo_kiban.certification.cases.formats import MILESTONES, OUTCOME_FIELDS, OUTCOMES
from kaigo_kiban.certification.cases.models import (
    CertApplication,
    CertEvent,
    CertMilestone,
    CertResult,
)
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.grants import Grant

DELETED = "DELETED"  # pseudo state of an event that deleted its application


@dataclass
class Case:
    """One application with what is known about it."""

    application: CertApplication
    dates: dict[str, dt.date] = field(default_factory=dict)  # milestone code → date
    result: CertResult | None = None

    @property
    def milestones(self) -> rules.Milestones:
        values: dict[str, object] = {"applied_on": self.application.applied_on}
        for code, day in self.dates.items():
            values[MILESTONES[code][0]] = day
        r = self.result
        if r is not None:
            if r.outcome == "1":
                values["decided_on"] = r.decided_on
                if r.care_level:
                    values["result"] = rules.CareLevel(r.care_level)
            else:
                values[OUTCOME_FIELDS[r.outcome]] = r.decided_on
        return rules.Milestones(**values)  # type: ignore[arg-type]

    def progress(self, today: dt.date | None = None) -> rules.Progress:
        return rules.derive_progress(self.milestones, today or today_jst())


def load_cases(
    session: Session,
    insurer_no: str,
    *,
    application_nos: Iterable[str] | None = None,
    insured_nos: Iterable[str] | None = None,
) -> dict[str, Case]:
    """Live (not deleted) applications of an insurer with their dates and result, by 申請番号."""
    stmt = select(CertApplication).where(
        CertApplication.insurer_no == insurer_no, CertApplication.deleted.is_(False)
    )
    if application_nos is not None:
        stmt = stmt.where(CertApplication.application_no.in_(list(application_nos)))
    if insured_nos is not None:
        stmt = stmt.where(CertApplication.insured_no.in_(list(insured_nos)))
    cases = {a.application_no: Case(a) for a in session.scalars(stmt)}
    if not cases:
        return cases
    keys = list(cases)
    for chunk in _chunks(keys):
        for m in session.scalars(
            select(CertMilestone).where(
                CertMilestone.insurer_no == insurer_no, CertMilestone.application_no.in_(chunk)
            )
        ):
            cases[m.application_no].dates[m.milestone] = m.day
        for r in session.scalars(
            select(CertResult).where(
                CertResult.insurer_no == insurer_no, CertResult.application_no.in_(chunk)
            )
        ):
            cases[r.application_no].result = r
    return cases


def _chunks(keys: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def latest_case(session: Session, grant: Grant) -> Case | None:
    """The person's newest application (latest 申請日, then 申請番号)."""
    grant.require("progress")
    cases = load_cases(session, grant.insurer_no, insured_nos=[grant.insured_no])
    if not cases:
        return None
    return max(
        cases.values(), key=lambda c: (c.application.applied_on, c.application.application_no)
    )


def person_cases(session: Session, grant: Grant) -> list[Case]:
    """All live applications of a person, newest first."""
    grant.require("progress")
    cases = load_cases(session, grant.insurer_no, insured_nos=[grant.insured_no]).values()
    return sorted(
        cases, key=lambda c: (c.application.applied_on, c.application.application_no), reverse=True
    )


@dataclass(frozen=True)
class Change:
    """One change to one case, before it is logged."""

    application_no: str
    field: str  # a Milestones field, "application", "result" or "survey"
    action: str  # set | corrected | cleared
    old: str | None
    new: str | None


def states(cases: dict[str, Case], today: dt.date) -> dict[str, str]:
    return {no: c.progress(today).state.value for no, c in cases.items()}


def log_changes(
    session: Session,
    insurer_no: str,
    changes: list[Change],
    before: dict[str, str],
    source: str,
    insured_of: dict[str, str],
) -> list[CertEvent]:
    """Append the changes to ``cert_event`` with each case's state before and after them all."""
    if not changes:
        return []
    today = today_jst()
    after = states(
        load_cases(session, insurer_no, application_nos={c.application_no for c in changes}), today
    )
    now = utcnow()
    events = [
        CertEvent(
            insurer_no=insurer_no,
            insured_no=insured_of[c.application_no],
            application_no=c.application_no,
            occurred_at=now,
            field=c.field,
            action=c.action,
            old_value=c.old,
            new_value=c.new,
            state_before=before.get(c.application_no),
            state_after=after.get(c.application_no, DELETED),
            source=source,
        )
        for c in changes
    ]
    session.add_all(events)
    session.flush()
    return events


def set_platform_milestone(
    session: Session, insurer_no: str, application_no: str, code: str, day: dt.date, source: str
) -> bool:
    """Record a date the platform itself witnessed (an opinion request or its receipt, a survey)
    unless the municipality already sent one; True when it was recorded."""
    existing = session.get(CertMilestone, (insurer_no, application_no, code))
    application = session.get(CertApplication, (insurer_no, application_no))
    if existing is not None or application is None or application.deleted:
        return False
    before = states(load_cases(session, insurer_no, application_nos=[application_no]), today_jst())
    session.add(
        CertMilestone(
            insurer_no=insurer_no,
            application_no=application_no,
            milestone=code,
            day=day,
            source_file_id=0,
        )
    )
    session.flush()
    change = Change(application_no, MILESTONES[code][0], "set", None, day.isoformat())
    log_changes(
        session, insurer_no, [change], before, source, {application_no: application.insured_no}
    )
    return True


FIELD_LABELS = {
    "applied_on": "申請日",
    **dict(MILESTONES.values()),
    "application": "申請",
    "result": "認定結果",
    "survey": "認定調査結果",
}
_ACTIONS = {"set": "登録", "corrected": "訂正", "cleared": "取消"}


def describe_event(event: CertEvent) -> str:
    """A Japanese sentence for the feed: 「認定調査実施（訪問調査）が登録されました（2026-04-10）」."""
    label = FIELD_LABELS.get(event.field, event.field)
    value = event.new_value if event.action != "cleared" else event.old_value
    shown = result_label(value) if event.field == "result" else value
    suffix = f"（{shown}）" if shown else ""
    return f"{label}が{_ACTIONS.get(event.action, event.action)}されました{suffix}"


def result_value(result: CertResult) -> str:
    """How a result is written in the change log: the care level code, or the exit's code."""
    return (
        result.care_level
        if result.outcome == "1" and result.care_level
        else f"outcome-{result.outcome}"
    )


def result_label(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("outcome-"):
        return OUTCOMES.get(value.removeprefix("outcome-"), value)
    try:
        return rules.CareLevel(value).label
    except ValueError:
        return value


def state_label(state: str | None) -> str:
    if state is None:
        return "—"
    if state == DELETED:
        return "申請削除"
    return rules.ProgressState(state).label
