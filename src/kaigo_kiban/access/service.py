"""The single gate: ``authorize`` decides and audits, in the caller's transaction.

Every read or write of a person's data calls ``authorize`` first. It gathers the facts
(consent, assignment, opinion request), asks the pure ``rules.decide``, appends an audit
event for the decision — allowed or denied — and raises :class:`AccessDenied` when denied.
Denial rows are *kept* (``core.database.keep``): the unit of work writes them in a
transaction of their own when the request fails, so denials are recorded too. If the audit append fails, the exception propagates and
the transaction, with whatever data it read, is abandoned.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sqlalchemy import Table, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from kaigo_kiban.access import rules
from kaigo_kiban.access.formats import CONSENT_SOURCE_NAMES
from kaigo_kiban.access.models import Assignment, Consent, ProxyGrant, ServiceEvidence
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.audit import service as audit
from kaigo_kiban.certification.opinions.models import OpinionRequest
from kaigo_kiban.certification.opinions.rules import opinion_request_grants_access
from kaigo_kiban.codes.service_types import CARE_MGMT_TYPES, FACILITY_TYPES
from kaigo_kiban.core.clock import JST, today_jst, utcnow
from kaigo_kiban.core.database import keep
from kaigo_kiban.core.errors import FieldError, NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson, Organization


class AccessDenied(PermissionDenied):
    """Denied by the policy; the audit row of the denial is kept even though the request fails."""

    code = "ACCESS-DENIED"

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


def has_open_opinion_request(
    session: Session, organization_id: int | None, insurer_no: str, insured_no: str
) -> bool:
    """True when the medical institution holds an opinion request (主治医意見書作成依頼) for the
    person that still grants access: open, or submitted within the window of
    ``certification.rules.opinion_request_grants_access``. Cancelled requests never do."""
    if organization_id is None:
        return False
    code = session.scalar(
        select(Organization.code).where(
            Organization.id == organization_id, Organization.kind == "medical"
        )
    )
    if code is None:
        return False
    requests = session.execute(
        select(OpinionRequest.status, OpinionRequest.requested_on).where(
            OpinionRequest.insurer_no == insurer_no,
            OpinionRequest.insured_no == insured_no,
            OpinionRequest.institution_code == code,
            OpinionRequest.status != "cancelled",
        )
    )
    today = today_jst()
    return any(
        opinion_request_grants_access(status, requested_on, today)
        for status, requested_on in requests
    )


def proxy_fact(session: Session, grant_id: int | None) -> rules.ProxyFact | None:
    """The proxy grant (代理人) an actor acts under, as the gate sees it (re-read on every
    decision, so revocation and expiry take effect at once)."""
    if grant_id is None:
        return None
    grant = session.get(ProxyGrant, grant_id)
    if grant is None:
        return rules.ProxyFact("revoked")
    state = rules.grant_state(grant.revoked_at, grant.valid_until, today_jst())
    return rules.ProxyFact(state, frozenset(grant.scope.split()))


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
            proxy=proxy_fact(session, actor.proxy_grant_id),
        )
    consent = consent_state(session, insurer_no, insured_no, today_jst())
    if groups == ("medical",):
        return rules.Facts(
            True,
            consent=consent,
            opinion_request=has_open_opinion_request(
                session, actor.organization_id, insurer_no, insured_no
            ),
        )
    assignment = (
        assignment_state(session, settings, actor.organization_id, insurer_no, insured_no)
        if actor.organization_id is not None
        else "none"
    )
    return rules.Facts(True, consent=consent, assignment=assignment)


def _actor_fields(actor: Actor) -> dict[str, object]:
    """The audit fields that describe who acted (never credentials or card data)."""
    return {
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
        "request_id": actor.request_id,
    }


def append_audit_rows(
    session: Session, settings: Settings, rows: list[dict[str, object]], *, kept: bool = False
) -> None:
    """Append decision rows in order; denials (and with ``kept`` every row) are kept
    (:func:`core.database.keep`), so they are on record even when the request then fails,
    while allowed rows otherwise go with the request."""
    fail = settings.audit_fail_for_test
    for stays, group in groupby(rows, key=lambda r: kept or r["outcome"] == "denied"):
        chunk = list(group)
        if stays:
            keep(session, lambda s, chunk=chunk: audit.append_events(s, chunk, fail=fail))
        else:
            audit.append_events(session, chunk, fail=fail)


def record_event(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str | None,
    insured_no: str,
    data_kind: str,
    action: str,
    reason: str,
    *,
    outcome: str = "allowed",
) -> None:
    """Audit an action on a person's data that is not a policy decision (registering or ending an
    assignment, consent changes, portal settings), with the same fields ``authorize`` records."""
    row: dict[str, object] = {
        **_actor_fields(actor),
        "insurer_no": insurer_no,
        "insured_no": insured_no,
        "data_kind": data_kind,
        "action": action,
        "outcome": outcome,
        "reason": reason,
    }
    append_audit_rows(session, settings, [row])


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
    kept: bool = False,
) -> rules.Decision:
    """Decide, audit, and raise :class:`AccessDenied` when the actor may not proceed.

    With ``raise_on_deny=False`` a denial is returned instead (used when one page shows
    several data kinds and some of them are not for this actor); it is audited all the same.
    ``kept``: the decision stays on record even if the request fails (the per-person checks
    of a file that is refused as a whole).
    """
    decision = authorize_many(
        session, settings, actor, insurer_no, insured_no, [data_kind], action, kept=kept
    )[data_kind]
    if not decision.allowed and raise_on_deny:
        raise AccessDenied(decision)
    return decision


def authorize_many(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str | None,
    insured_no: str,
    data_kinds: list[str],
    action: str = "read",
    *,
    gate: str | None = None,
    kept: bool = False,
) -> dict[str, rules.Decision]:
    """One decision and one audit event per data kind, with the facts gathered once.

    ``gate`` names the kind that decides whether the person can be seen at all: when it is
    denied, only that denial is audited and returned (one attempt, one record), and
    :class:`AccessDenied` is raised. Other denials are returned, not raised.
    """
    if insurer_no is None:
        facts = rules.Facts(person_exists=False)
    else:
        facts = gather_facts(session, settings, actor, insurer_no, insured_no)
    who = _actor_fields(actor)
    decisions = {kind: rules.decide(actor, kind, action, facts) for kind in data_kinds}
    if gate is not None and not decisions[gate].allowed:
        decisions = {gate: decisions[gate]}
    rows = [
        {
            **who,
            "insurer_no": insurer_no if facts.person_exists else None,
            "insured_no": insured_no,
            "data_kind": kind,
            "action": action,
            "outcome": "allowed" if d.allowed else "denied",
            "reason": d.reason,
        }
        for kind, d in decisions.items()
    ]
    append_audit_rows(session, settings, rows, kept=kept)
    if gate is not None and not decisions[gate].allowed:
        raise AccessDenied(decisions[gate])
    return decisions


def check_proxy(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    data_kind: str,
    action: str,
) -> None:
    """For the person's own settings the policy table does not cover (consent, assignments):
    a proxy acts only within an active grant that covers ``data_kind`` — the gate's own rule
    (``rules.proxy_denial``); a refusal is audited and raises :class:`AccessDenied`."""
    reason = rules.proxy_denial(actor, data_kind, proxy_fact(session, actor.proxy_grant_id))
    if reason is None:
        return
    record_event(
        session,
        settings,
        actor,
        insurer_no,
        insured_no,
        data_kind,
        action,
        reason,
        outcome="denied",
    )
    raise AccessDenied(rules.Decision(False, reason, rules.DENIALS[reason]))


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
    """Record the actor's office as the person's assigned office after identity verification.

    The registration is audited, so the person sees which office registered and how it verified.
    The caller tells the person (``notices.service.notify_new_assignment``).
    """
    now = utcnow()
    audit.append_event(
        session,
        {
            **_actor_fields(actor),
            "insurer_no": insurer_no,
            "insured_no": insured_no,
            "data_kind": "assignment",
            "action": "write",
            "outcome": "allowed",
            "reason": verified_by,
        },
    )
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


# --- municipal files owned by access -------------------------------------------------------


def _missing_persons(session: Session, staging: Table) -> list[FieldError]:
    s = staging
    person = InsuredPerson.__table__
    rows = session.execute(
        select(s.c.line_no, s.c.insured_no)
        .where(
            ~exists().where(
                person.c.insurer_no == s.c.insurer_no, person.c.insured_no == s.c.insured_no
            )
        )
        .order_by(s.c.line_no)
    )
    return [
        FieldError(
            code="ING-UNKNOWN-PERSON",
            message="被保険者証が未登録の被保険者です",
            line=line,
            value=insured_no,
            file=staging.info["file"],
        )
        for line, insured_no in rows
    ]


def merge_service_evidence(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Record months of service and extend the matching assignments (set-based).

    A repeated month is a no-op; an assignment's ``last_evidence_month`` only moves forward.
    """
    errors = _missing_persons(session, staging)
    if errors:
        return errors
    s = staging
    ev = ServiceEvidence.__table__
    key = ("insurer_no", "insured_no", "office_no", "service_month")
    fresh = (
        select(*(s.c[k] for k in key), literal(file_id))
        .where(~exists().where(*(ev.c[k] == s.c[k] for k in key)))
        .distinct()
    )
    session.execute(insert(ev).from_select([*key, "source_file_id"], fresh))
    a = Assignment.__table__
    newest = (
        select(func.max(s.c.service_month))
        .where(
            s.c.insurer_no == a.c.insurer_no,
            s.c.insured_no == a.c.insured_no,
            s.c.office_no == a.c.office_no,
        )
        .scalar_subquery()
    )
    session.execute(
        update(a)
        .where(a.c.ended_at.is_(None), newest.is_not(None), newest > a.c.last_evidence_month)
        .values(last_evidence_month=newest)
    )
    return []


def merge_consent(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Apply consents from the municipality: a 取得 row opens a consent, a 撤回 row (source 9)
    closes every open one. Re-sending the same row is a no-op."""
    errors = _missing_persons(session, staging)
    if errors:
        return errors
    now = utcnow()
    for row in session.execute(select(staging).order_by(staging.c.line_no)).mappings():
        open_rows = session.scalars(
            select(Consent).where(
                Consent.insurer_no == row["insurer_no"],
                Consent.insured_no == row["insured_no"],
                Consent.withdrawn_at.is_(None),
            )
        ).all()
        if row["source"] == "9":
            for c in open_rows:
                c.withdrawn_at = now
            continue
        source = CONSENT_SOURCE_NAMES[row["source"]]
        if any(c.effective_from == row["effective_from"] and c.source == source for c in open_rows):
            continue
        record_consent(
            session,
            row["insurer_no"],
            row["insured_no"],
            source,
            row["effective_from"],
            f"file:{file_id}",
        )
    return []


def give_consent_on_behalf(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    day: dt.date,
) -> Consent:
    """An office records 包括同意 on the municipality's behalf (居宅介護支援・施設 only, until the
    municipality takes it at application). The write is audited like any other."""
    if not set(actor.service_types) & (CARE_MGMT_TYPES | FACILITY_TYPES):
        raise PermissionDenied(
            "同意の代行取得は居宅介護支援事業所・介護保険施設に限られます",
            code="ACCESS-CONSENT-OFFICE-TYPE",
        )
    if session.get(InsuredPerson, (insurer_no, insured_no)) is None:
        raise AccessDenied(rules.Decision(False, "NO-PERSON", rules.DENIALS["NO-PERSON"]))
    record_event(
        session, settings, actor, insurer_no, insured_no, "consent", "write", "OFFICE_ON_BEHALF"
    )
    return record_consent(
        session, insurer_no, insured_no, "OFFICE_ON_BEHALF", day, actor.display_name
    )


def end_assignment_by_office(
    session: Session, settings: Settings, actor: Actor, assignment_id: int
) -> Assignment:
    """The office ends its own assignment (service ended). Audited; the person sees it."""
    row = session.get(Assignment, assignment_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound("担当事業所の登録が見つかりません", code="ACCESS-ASSIGNMENT-NOT-FOUND")
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), "OFFICE"
        record_event(
            session,
            settings,
            actor,
            row.insurer_no,
            row.insured_no,
            "assignment",
            "write",
            "ENDED-BY-OFFICE",
        )
    return row


def visible_persons(
    session: Session,
    settings: Settings,
    actor: Actor,
    persons: list[InsuredPerson],
    data_kind: str = "insurance_card",
    action: str = "search",
) -> list[InsuredPerson]:
    """The persons of a result list the actor may see; each is authorised and audited as shown."""
    return [
        p
        for p in persons
        if authorize(
            session,
            settings,
            actor,
            p.insurer_no,
            p.insured_no,
            data_kind,
            action,
            raise_on_deny=False,
        ).allowed
    ]
