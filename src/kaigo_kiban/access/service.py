"""The single gate: ``authorize`` decides and audits, in the caller's transaction.

Every read or write of a person's data calls ``authorize`` first. It gathers the facts
(consent, assignment, opinion request), asks the pure ``rules.decide``, appends an audit
event for the decision — allowed or denied — and raises :class:`AccessDenied` when denied.
``AccessDenied`` asks the unit of work to commit (the only write before it is the audit
row), so denials are recorded too. If the audit append fails, the exception propagates and
the transaction, with whatever data it read, is abandoned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import rules
from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.audit import service as audit
from kaigo_kiban.core.clock import JST, today_jst, utcnow
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson

Actor = rules.Actor


class AccessDenied(PermissionDenied):
    """Denied by the policy; the audit row of the denial is committed with the request."""

    code = "ACCESS-DENIED"
    commit_before_raise = True

    def __init__(self, decision: rules.Decision) -> None:
        super().__init__(decision.message, code=f"ACCESS-{decision.reason}")
        self.decision = decision


def consent_state(session: Session, insurer_no: str, insured_no: str, day: dt.date) -> str:
    rows = session.scalars(
        select(Consent).where(Consent.insurer_no == insurer_no, Consent.insured_no == insured_no)
    ).all()
    if not rows:
        return "absent"
    live = [c for c in rows if c.withdrawn_at is None and c.effective_from <= day]
    return "given" if live else "withdrawn"


def assignment_state(
    session: Session, settings: Settings, organization_id: int, insurer_no: str, insured_no: str
) -> str:
    rows = session.scalars(
        select(Assignment).where(
            Assignment.organization_id == organization_id,
            Assignment.insurer_no == insurer_no,
            Assignment.insured_no == insured_no,
        )
    ).all()
    if not rows:
        return "none"
    current_month = today_jst().strftime("%Y%m")
    states = {
        rules.assignment_state(
            ended=a.ended_at is not None,
            last_evidence_month=a.last_evidence_month,
            current_month=current_month,
            lapse_months=settings.assignment_lapse_months,
        )
        for a in rows
    }
    for state in ("active", "lapsed", "ended"):
        if state in states:
            return state
    return "none"


def gather_facts(
    session: Session, settings: Settings, actor: Actor, insurer_no: str, insured_no: str
) -> rules.Facts:
    person = session.get(InsuredPerson, (insurer_no, insured_no))
    if person is None:
        return rules.Facts(person_exists=False)
    groups = actor.groups
    if groups in (("municipality",), ("person",), ("operator",)):
        return rules.Facts(
            person_exists=True,
            same_insurer=actor.insurer_no == insurer_no,
            is_self=(actor.insurer_no, actor.insured_no) == (insurer_no, insured_no),
        )
    consent = consent_state(session, insurer_no, insured_no, today_jst())
    if groups == ("medical",):
        return rules.Facts(True, consent=consent, opinion_request=False)
    assignment = (
        assignment_state(session, settings, actor.organization_id, insurer_no, insured_no)
        if actor.organization_id is not None
        else "none"
    )
    return rules.Facts(True, consent=consent, assignment=assignment)


def authorize(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str | None,
    insured_no: str,
    data_kind: str,
    action: str = "read",
    *,
    raise_on_deny: bool = True,
) -> rules.Decision:
    """Decide, audit, and raise :class:`AccessDenied` when the actor may not proceed.

    With ``raise_on_deny=False`` a denial is returned instead (used when one page shows
    several data kinds and some of them are not for this actor); it is audited all the same.
    """
    if insurer_no is None:
        facts = rules.Facts(person_exists=False)
    else:
        facts = gather_facts(session, settings, actor, insurer_no, insured_no)
    decision = rules.decide(actor, data_kind, action, facts)
    audit.append_event(
        session,
        {
            "actor_kind": actor.kind,
            "account_id": actor.account_id,
            "actor_name": actor.display_name,
            "organization_kind": actor.organization_kind,
            "organization_code": actor.organization_code,
            "organization_name": actor.organization_name,
            "service_types": " ".join(actor.service_types) or None,
            "job_type": actor.job_type,
            "cert_serial": actor.cert_serial,
            "proxy_for": actor.proxy_for,
            "insurer_no": insurer_no if facts.person_exists else None,
            "insured_no": insured_no,
            "data_kind": data_kind,
            "action": action,
            "outcome": "allowed" if decision.allowed else "denied",
            "reason": decision.reason,
            "request_id": actor.request_id,
        },
        fail=settings.audit_fail_for_test,
    )
    if not decision.allowed and raise_on_deny:
        raise AccessDenied(decision)
    return decision


def list_assigned_persons(
    session: Session, settings: Settings, actor: Actor
) -> list[tuple[Assignment, InsuredPerson, str]]:
    """The persons an office is (or was) assigned to, with each assignment's state."""
    rows = session.execute(
        select(Assignment, InsuredPerson)
        .join(
            InsuredPerson,
            (InsuredPerson.insurer_no == Assignment.insurer_no)
            & (InsuredPerson.insured_no == Assignment.insured_no),
        )
        .where(Assignment.organization_id == actor.organization_id)
        .order_by(InsuredPerson.name_kana)
    ).all()
    month = today_jst().strftime("%Y%m")
    shown = []
    for a, p in rows:
        state = rules.assignment_state(
            ended=a.ended_at is not None,
            last_evidence_month=a.last_evidence_month,
            current_month=month,
            lapse_months=settings.assignment_lapse_months,
        )
        if state != "active":
            continue
        decision = authorize(
            session,
            settings,
            actor,
            a.insurer_no,
            a.insured_no,
            "insurance_card",
            "list",
            raise_on_deny=False,
        )
        if decision.allowed:
            shown.append((a, p, state))
    return shown


def register_assignment(
    session: Session,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    service_type: str,
    verified_by: str,
) -> Assignment:
    """Record the actor's office as the person's assigned office after identity verification."""
    now = utcnow()
    assignment = Assignment(
        insurer_no=insurer_no,
        insured_no=insured_no,
        organization_id=actor.organization_id,
        office_no=actor.organization_code or "",
        service_type=service_type,
        verified_by=verified_by,
        verified_at=now,
        verified_by_account=actor.account_id,
        last_evidence_month=now.astimezone(JST).strftime("%Y%m"),
    )
    session.add(assignment)
    session.flush()
    return assignment


def record_consent(
    session: Session,
    insurer_no: str,
    insured_no: str,
    source: str,
    effective_from: dt.date,
    recorded_by: str,
) -> Consent:
    consent = Consent(
        insurer_no=insurer_no,
        insured_no=insured_no,
        source=source,
        effective_from=effective_from,
        obtained_at=utcnow(),
        recorded_by=recorded_by,
    )
    session.add(consent)
    session.flush()
    return consent
