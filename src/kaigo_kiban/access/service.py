"""The single gate: ``open_person`` decides, audits and returns a grant, in the caller's
transaction.

Every read or write of a person's data calls ``open_person`` first (``open_kind`` for one
kind that must be allowed). It gathers the facts (consent, assignment, opinion request, the
proxy grant), asks the pure ``rules.decide``, appends an audit event per decision — allowed or
denied — and returns a :class:`~kaigo_kiban.core.grants.Grant`, which every reader of personal
data takes; a denial the request cannot do without raises :class:`AccessDenied`.
Denial rows are *kept* (``core.database.keep``): the unit of work writes them in a
transaction of their own when the request fails, so denials are recorded too. If the audit append fails, the exception propagates and
the transaction, with whatever data it read, is abandoned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from itertools import groupby
from typing import cast

from sqlalchemy import Table, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from kaigo_kiban.access import formats, rules
from kaigo_kiban.access.formats import CONSENT_SOURCE_NAMES
from kaigo_kiban.access.models import (
    Assignment,
    Consent,
    OpinionAccess,
    ProxyGrant,
    ServiceEvidence,
)
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.audit import service as audit
from kaigo_kiban.codes.service_types import CARE_MGMT_TYPES, FACILITY_TYPES
from kaigo_kiban.core import grant_seal
from kaigo_kiban.core.clock import JST, today_jst, utcnow
from kaigo_kiban.core.database import keep
from kaigo_kiban.core.errors import FieldError, NotFound, PermissionDenied
from kaigo_kiban.core.grants import Decision, Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import FileKind
from kaigo_kiban.registry.models import InsuredPerson, Organization


class AccessDenied(PermissionDenied):
    """Denied by the policy; the audit row of the denial is kept even though the request fails."""

    code = "ACCESS-DENIED"

    def __init__(self, decision: Decision) -> None:
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
    person that still gives access (``rules.opinion_access_live``)."""
    if organization_id is None:
        return False
    code = session.scalar(
        select(Organization.code).where(
            Organization.id == organization_id, Organization.kind == "medical"
        )
    )
    if code is None:
        return False
    rows = session.execute(
        select(OpinionAccess.until, OpinionAccess.closed).where(
            OpinionAccess.insurer_no == insurer_no,
            OpinionAccess.insured_no == insured_no,
            OpinionAccess.institution_code == code,
        )
    )
    today = today_jst()
    return any(rules.opinion_access_live(until, closed, today) for until, closed in rows)


def set_opinion_access(
    session: Session,
    request_ref: str,
    *,
    insurer_no: str,
    insured_no: str,
    institution_code: str,
    until: dt.date | None,
    closed: bool,
) -> None:
    """Record (or update) the access one opinion request gives its medical institution: open
    (``until`` None) while the request is open, to ``until`` once the opinion is in, none
    when ``closed`` (cancelled). Certification calls this on every change of a request."""
    row = session.get(OpinionAccess, request_ref)
    if row is None:
        row = OpinionAccess(request_ref=request_ref)
        session.add(row)
    row.insurer_no, row.insured_no, row.institution_code = insurer_no, insured_no, institution_code
    row.until, row.closed, row.updated_at = until, closed, utcnow()
    session.flush()


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
            keep(session, partial(audit.append_events, events=chunk, fail=fail))
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
    assignment, consent changes, portal settings), with the same fields ``open_person`` records."""
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


def open_person(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str | None,
    insured_no: str,
    data_kinds: Sequence[str],
    action: str = "read",
    *,
    gate: str | None = None,
    kept: bool = False,
) -> Grant:
    """The gate: decide each data kind, audit each decision, and return the :class:`Grant`
    every reader of the person's data takes — the kinds allowed, with the refused ones and
    their reasons (a page that shows several kinds shows the reason instead of the data).

    ``gate`` names the kind that decides whether the person can be seen at all: when it is
    denied, only that denial is audited (one attempt, one record) and :class:`AccessDenied`
    is raised. ``kept``: the decisions stay on record even if the request fails (the
    per-person checks of a file that is refused as a whole). An unknown person (or
    ``insurer_no`` None: not found by the caller) is denied like any other refusal.
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
    return grant_seal.issue(insurer_no or "", insured_no, action, decisions)


def open_kind(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str | None,
    insured_no: str,
    data_kind: str,
    action: str = "read",
    *,
    kept: bool = False,
) -> Grant:
    """:func:`open_person` for one data kind that the request cannot do without: a denial
    raises :class:`AccessDenied`."""
    return open_person(
        session,
        settings,
        actor,
        insurer_no,
        insured_no,
        [data_kind],
        action,
        gate=data_kind,
        kept=kept,
    )


def open_assignments(session: Session, organization_id: int | None) -> list[tuple[str, str]]:
    """The persons (保険者番号, 被保険者番号) an office holds an assignment to that has not ended,
    in key order. Keys only: what may be shown of each person is the gate's decision."""
    if organization_id is None:
        return []
    rows = session.execute(
        select(Assignment.insurer_no, Assignment.insured_no)
        .where(Assignment.organization_id == organization_id, Assignment.ended_at.is_(None))
        .distinct()
        .order_by(Assignment.insurer_no, Assignment.insured_no)
    )
    return [(i, n) for i, n in rows]


def assigned_insurers(session: Session, organization_id: int | None, insured_no: str) -> list[str]:
    """The insurers at which the office is (or was) assigned to a person with this
    被保険者番号 — usually one; the number is unique only within an insurer, so callers that
    were given the number alone must ask which insurer when there are several."""
    if organization_id is None:
        return []
    return list(
        session.scalars(
            select(Assignment.insurer_no)
            .where(
                Assignment.organization_id == organization_id, Assignment.insured_no == insured_no
            )
            .distinct()
            .order_by(Assignment.insurer_no)
        )
    )


def list_assigned_persons(
    session: Session, settings: Settings, actor: Actor
) -> list[tuple[Assignment, InsuredPerson, str, Grant]]:
    """The persons an office is actively assigned to that the gate lets it list, each with its
    assignment, state and the grant (``insurance_card``, ``list``) the listing was audited under."""
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
        grant = open_person(
            session, settings, actor, a.insurer_no, a.insured_no, ["insurance_card"], "list"
        )
        if grant.allows("insurance_card"):
            shown.append((a, p, state, grant))
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


def consents_of(session: Session, grant: Grant) -> list[Consent]:
    """Every 包括同意 of the person, newest first."""
    grant.require("consent")
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.insurer_no == grant.insurer_no, Consent.insured_no == grant.insured_no)
            .order_by(Consent.obtained_at.desc(), Consent.id.desc())
        )
    )


def consented_persons(session: Session, insurer_no: str) -> set[str]:
    """The 被保険者番号 of the insurer's persons with a 包括同意 that is not withdrawn (the
    municipality's overview; what may be shown of each is the gate's decision)."""
    return set(
        session.scalars(
            select(Consent.insured_no).where(
                Consent.insurer_no == insurer_no, Consent.withdrawn_at.is_(None)
            )
        )
    )


def consent_person(session: Session, consent_id: int) -> tuple[str, str] | None:
    """Whose consent record this is (to open the gate for it), or None."""
    row = session.execute(
        select(Consent.insurer_no, Consent.insured_no).where(Consent.id == consent_id)
    ).first()
    return (row.insurer_no, row.insured_no) if row is not None else None


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
    ev = cast(Table, ServiceEvidence.__table__)
    key = ("insurer_no", "insured_no", "office_no", "service_month")
    fresh = (
        select(*(s.c[k] for k in key), literal(file_id))
        .where(~exists().where(*(ev.c[k] == s.c[k] for k in key)))
        .distinct()
    )
    session.execute(insert(ev).from_select([*key, "source_file_id"], fresh))
    a = cast(Table, Assignment.__table__)
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
        raise AccessDenied(Decision(False, "NO-PERSON", rules.DENIALS["NO-PERSON"]))
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
        if open_person(
            session, settings, actor, p.insurer_no, p.insured_no, [data_kind], action
        ).allows(data_kind)
    ]


# The municipal file kinds access owns (for ``app.intake``).
FILE_KINDS: tuple[FileKind, ...] = (
    (formats.SERVICE_EVIDENCE, cast(Table, ServiceEvidence.__table__), merge_service_evidence),
    (formats.CONSENT, cast(Table, Consent.__table__), merge_consent),
)
