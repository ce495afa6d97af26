"""The person's own consent and assigned offices (同意と担当事業所), from the person portal.

The policy table does not cover these settings: the person acts on their own, and a proxy
(代理人) only within an active grant whose scope covers consent — the gate's own rule
(``rules.proxy_denial``). :func:`open_settings` checks that, audits a refusal, and returns the
:class:`~kaigo_kiban.core.grants.Grant` the readers and writers here take. The consent page
shows consents and assignments together, so one grant for ``consent`` covers both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies, rules
from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.access.service import (
    AccessDenied,
    consent_state,
    consents_of,
    proxy_fact,
    record_consent,
    record_event,
)
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core import grant_seal
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.errors import NotFound
from kaigo_kiban.core.grants import Decision, Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import Organization

KIND = "consent"


def open_settings(session: Session, settings: Settings, actor: Actor, action: str) -> Grant:
    """The gate for the person's own consent settings: a grant, or :class:`AccessDenied`
    (audited) when a proxy's grant does not cover consent."""
    insurer_no, insured_no = proxies.principal(actor)
    reason = rules.proxy_denial(actor, KIND, proxy_fact(session, actor.proxy_grant_id))
    if reason is not None:
        record_event(
            session, settings, actor, insurer_no, insured_no, KIND, action, reason, outcome="denied"
        )
        raise AccessDenied(Decision(False, reason, rules.DENIALS[reason]))
    return grant_seal.issue(
        insurer_no,
        insured_no,
        action,
        {KIND: Decision(True, "PROXY" if actor.proxy_for else "SELF", "")},
    )


@dataclass
class AssignmentView:
    id: int
    office_name: str
    office_no: str
    service_type: str
    verified_by: str
    verified_at: dt.datetime
    state: str  # active | lapsed | ended
    ended_at: dt.datetime | None
    end_reason: str | None


@dataclass
class ConsentOverview:
    state: str  # given | withdrawn | absent
    consents: list[Consent] = field(default_factory=list)
    assignments: list[AssignmentView] = field(default_factory=list)


def assignments_of(session: Session, settings: Settings, grant: Grant) -> list[AssignmentView]:
    """Every office assigned to the person (ended ones too), newest first, with its state."""
    grant.require(KIND)
    month = today_jst().strftime("%Y%m")
    views = []
    for a, org in session.execute(
        select(Assignment, Organization)
        .join(Organization, Organization.id == Assignment.organization_id)
        .where(Assignment.insurer_no == grant.insurer_no, Assignment.insured_no == grant.insured_no)
        .order_by(Assignment.verified_at.desc())
    ):
        state = rules.assignment_state(
            ended=a.ended_at is not None,
            last_evidence_month=a.last_evidence_month,
            current_month=month,
            lapse_months=settings.assignment_lapse_months,
        )
        views.append(
            AssignmentView(
                id=a.id,
                office_name=org.name,
                office_no=a.office_no,
                service_type=SERVICE_TYPE_NAMES.get(a.service_type, a.service_type),
                verified_by=a.verified_by,
                verified_at=a.verified_at,
                state=state,
                ended_at=a.ended_at,
                end_reason=a.end_reason,
            )
        )
    return views


def consent_overview(session: Session, settings: Settings, actor: Actor) -> ConsentOverview:
    """Every consent and every office assigned to the person, with their states (audited)."""
    grant = open_settings(session, settings, actor, "read")
    for kind in ("consent", "assignment"):  # the page shows both: both are on record
        proxies.record_action(
            session,
            settings,
            actor,
            *grant.person,
            kind,
            "read",
            "PROXY" if actor.proxy_for else "SELF",
        )
    state = consent_state(session, *grant.person, today_jst())
    return ConsentOverview(
        state, consents_of(session, grant), assignments_of(session, settings, grant)
    )


def withdraw_consent(session: Session, settings: Settings, actor: Actor) -> int:
    """Withdraw every open consent now; offices lose access with their next request."""
    grant = open_settings(session, settings, actor, "write")
    now = utcnow()
    open_rows = [c for c in consents_of(session, grant) if c.withdrawn_at is None]
    for row in open_rows:
        row.withdrawn_at = now
    session.flush()
    proxies.record_action(session, settings, actor, *grant.person, "consent", "write", "WITHDRAWN")
    return len(open_rows)


def give_consent(session: Session, settings: Settings, actor: Actor) -> Consent:
    """Give 包括同意 again, from today (source PERSON)."""
    grant = open_settings(session, settings, actor, "write")
    consent = record_consent(
        session, *grant.person, "PERSON", today_jst(), actor.display_name[:100]
    )
    proxies.record_action(session, settings, actor, *grant.person, "consent", "write", "GIVEN")
    return consent


def end_assignment(
    session: Session, settings: Settings, actor: Actor, assignment_id: int
) -> Assignment:
    """End one office's assignment at the person's request (``end_reason`` PERSON)."""
    grant = open_settings(session, settings, actor, "write")
    row = session.get(Assignment, assignment_id)
    if row is None or (row.insurer_no, row.insured_no) != grant.person:
        raise NotFound("担当事業所の登録が見つかりません", code="PERSON-ASSIGNMENT-NOT-FOUND")
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), "PERSON"
        session.flush()
        proxies.record_action(
            session, settings, actor, *grant.person, "assignment", "write", "ENDED"
        )
    return row
