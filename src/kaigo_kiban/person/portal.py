"""What the portal shows and changes: my data, who looked at it, consent and assigned offices.

Every read goes through the access gate (which checks a proxy's grant too), so each section
is authorised and audited on its own; a section the actor
may not see carries the reason instead of data. Consent and assignment changes take effect
at once (the gate reads them on every office request) and are audited as the actor.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies
from kaigo_kiban.access import rules as access_rules
from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.access.rules import DATA_KINDS
from kaigo_kiban.accounts.rules import JOB_TYPES, Actor
from kaigo_kiban.audit import rules as audit_rules
from kaigo_kiban.audit import service as audit
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.cards import service as cards
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core.clock import to_jst, today_jst, utcnow
from kaigo_kiban.core.errors import InvalidInput, NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import trends
from kaigo_kiban.notices.models import PersonContact, PersonNotice
from kaigo_kiban.person import rules
from kaigo_kiban.registry.models import Organization

CARD_KINDS = ("insurance_card", "copay_card", "cost_cap_cert", "reduction_cert")
KIND_LABELS = {**DATA_KINDS, **rules.EXTRA_KIND_LABELS}


def _principal(actor: Actor) -> tuple[str, str]:
    if actor.kind != "person" or not actor.insurer_no or not actor.insured_no:
        raise PermissionDenied(access_rules.DENIALS["NOT-SELF"], code="PERSON-NOT-PERSON")
    return actor.insurer_no, actor.insured_no


@dataclass
class Section:
    """One part of the my-data page: its data, or why it is not shown."""

    allowed: bool = True
    message: str = ""
    pending: bool = False  # the feature is not available yet (準備中)
    data: Any = None


def _denied(message: str) -> Section:
    return Section(allowed=False, message=message)


# --- my data -----------------------------------------------------------------------------------


def my_cards(
    session: Session, settings: Settings, actor: Actor, day: dt.date
) -> dict[str, Section]:
    """Each card kind valid today, with its history (each kind gated and audited)."""
    insurer_no, insured_no = _principal(actor)
    result: dict[str, Section] = {}
    for kind in CARD_KINDS:
        decision = access.authorize(
            session, settings, actor, insurer_no, insured_no, kind, raise_on_deny=False
        )
        if not decision.allowed:
            result[kind] = _denied(decision.message)
            continue
        current = cards.find_card_valid_on(session, kind, insurer_no, insured_no, day)
        history = [
            c
            for c in cards.list_card_history(session, kind, insurer_no, insured_no)
            if current is None or c.history_no != current.history_no
        ]
        result[kind] = Section(data={"current": current, "history": history})
    return result


def _optional(modules: tuple[str, ...], name: str) -> Callable[..., Any] | None:
    """A function another area serves, looked up where it lives (None until it exists)."""
    for module in modules:
        try:
            function = getattr(importlib.import_module(module), name, None)
        except ModuleNotFoundError:
            continue
        if function is not None:
            return function
    return None


def _delegated(
    session: Session,
    settings: Settings,
    actor: Actor,
    kind: str,
    modules: tuple[str, ...],
    name: str,
) -> Section:
    """A section another area serves; it authorises itself (a proxy's grant included)."""
    insurer_no, insured_no = _principal(actor)
    function = _optional(modules, name)
    if function is None:
        return Section(pending=True)
    try:
        return Section(data=function(session, settings, actor, insurer_no, insured_no))
    except PermissionDenied as exc:
        return _denied(exc.message)


def my_progress(session: Session, settings: Settings, actor: Actor) -> Section:
    """認定の進み具合 from ``certification.service.person_progress`` (準備中 until it exists)."""
    modules = ("kaigo_kiban.certification.cases.progress",)
    return _delegated(session, settings, actor, "progress", modules, "person_progress")


def my_care_plans(session: Session, settings: Settings, actor: Actor) -> Section:
    """Care plans delivered to the person (``careplan.service.list_delivered_plans``)."""
    modules = ("kaigo_kiban.careplan.delivery",)
    return _delegated(session, settings, actor, "care_plan", modules, "list_delivered_plans")


def my_usage(session: Session, settings: Settings, actor: Actor, day: dt.date) -> Section:
    """住宅改修費・福祉用具購入費: used and remaining amounts."""
    from kaigo_kiban.benefits import service as benefits

    insurer_no, insured_no = _principal(actor)
    try:
        summary = benefits.usage_summary(
            session, settings, actor, insurer_no, insured_no, as_of=day
        )
    except PermissionDenied as exc:
        return _denied(exc.message)
    return Section(data=summary)


def my_life(session: Session, settings: Settings, actor: Actor) -> Section:
    """LIFE assessments (Barthel Index and more) over time."""

    insurer_no, insured_no = _principal(actor)
    try:
        trend = trends.person_trend(session, settings, actor, insurer_no, insured_no)
    except PermissionDenied as exc:
        return _denied(exc.message)
    return Section(data=trend)


# --- who looked at my data ---------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    occurred_at: dt.datetime
    who: str
    organization_code: str | None
    service_types: str
    job_type: str
    data_kind: str
    action: str
    outcome: str
    reason: str


def _who(ev: AuditEvent) -> str:
    if ev.organization_name:
        return ev.organization_name
    role = audit_rules.person_actor_role(ev.actor_kind, ev.proxy_for, ev.reason)
    if role is not None:
        return {
            "self": "ご本人",
            "proxy": f"代理人 {ev.actor_name}",
            "other": "ほかの方（マイナンバーカードでログインした方）",
        }[role]
    if ev.actor_kind == "system":
        return "システム"
    return ev.actor_name or "—"


def _reason_text(ev: AuditEvent) -> str:
    if ev.outcome == "allowed":
        return ""
    return (
        access_rules.DENIALS.get(ev.reason)
        or rules.MESSAGES.get(f"PERSON-{ev.reason}")
        or ev.reason
    )


def access_history(
    session: Session,
    settings: Settings,
    actor: Actor,
    flt: rules.HistoryFilter,
    *,
    limit: int = 500,
) -> list[HistoryRow]:
    """The person's access history, newest first, filtered; reading it is itself audited."""
    insurer_no, insured_no = _principal(actor)
    access.authorize(session, settings, actor, insurer_no, insured_no, "access_history")
    # The audit filter takes a UTC midnight; take a day more and cut at JST midnight here.
    since = flt.date_from - dt.timedelta(days=1) if flt.date_from else None
    events = audit.list_person_events(
        session,
        insurer_no,
        insured_no,
        outcome=flt.outcome,
        data_kind=flt.data_kind,
        since=since,
        limit=limit * 4 if (flt.date_from or flt.date_to) else limit,
    )
    rows: list[HistoryRow] = []
    for ev in events:
        day = to_jst(ev.occurred_at).date()
        if (flt.date_from and day < flt.date_from) or (flt.date_to and day > flt.date_to):
            continue
        types = " ".join(SERVICE_TYPE_NAMES.get(t, t) for t in (ev.service_types or "").split())
        rows.append(
            HistoryRow(
                occurred_at=ev.occurred_at,
                who=_who(ev),
                organization_code=ev.organization_code,
                service_types=types,
                job_type=JOB_TYPES.get(ev.job_type or "", ev.job_type or ""),
                data_kind=KIND_LABELS.get(ev.data_kind, ev.data_kind),
                action=access_rules.ACTIONS.get(ev.action, ev.action),
                outcome=ev.outcome,
                reason=_reason_text(ev),
            )
        )
        if len(rows) >= limit:
            break
    return rows


# --- consent and assigned offices --------------------------------------------------------------


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


def _consent_gate(session: Session, settings: Settings, actor: Actor, action: str) -> None:
    insurer_no, insured_no = _principal(actor)
    access.check_proxy(session, settings, actor, insurer_no, insured_no, "consent", action)


def consent_overview(session: Session, settings: Settings, actor: Actor) -> ConsentOverview:
    """Every consent and every office assigned to the person, with their states (audited)."""
    insurer_no, insured_no = _principal(actor)
    _consent_gate(session, settings, actor, "read")
    for kind in ("consent", "assignment"):  # the page shows both: both are on record
        proxies.record_action(
            session,
            settings,
            actor,
            insurer_no,
            insured_no,
            kind,
            "read",
            "PROXY" if actor.proxy_for else "SELF",
        )
    consents = list(
        session.scalars(
            select(Consent)
            .where(Consent.insurer_no == insurer_no, Consent.insured_no == insured_no)
            .order_by(Consent.obtained_at.desc())
        )
    )
    month = today_jst().strftime("%Y%m")
    views = []
    for a, org in session.execute(
        select(Assignment, Organization)
        .join(Organization, Organization.id == Assignment.organization_id)
        .where(Assignment.insurer_no == insurer_no, Assignment.insured_no == insured_no)
        .order_by(Assignment.verified_at.desc())
    ):
        state = access_rules.assignment_state(
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
    state = access.consent_state(session, insurer_no, insured_no, today_jst())
    return ConsentOverview(state, consents, views)


def withdraw_consent(session: Session, settings: Settings, actor: Actor) -> int:
    """Withdraw every open consent now; offices lose access with their next request."""
    insurer_no, insured_no = _principal(actor)
    _consent_gate(session, settings, actor, "write")
    now = utcnow()
    open_rows = session.scalars(
        select(Consent).where(
            Consent.insurer_no == insurer_no,
            Consent.insured_no == insured_no,
            Consent.withdrawn_at.is_(None),
        )
    ).all()
    for row in open_rows:
        row.withdrawn_at = now
    session.flush()
    proxies.record_action(
        session, settings, actor, insurer_no, insured_no, "consent", "write", "WITHDRAWN"
    )
    return len(open_rows)


def give_consent(session: Session, settings: Settings, actor: Actor) -> Consent:
    """Give 包括同意 again, from today (source PERSON)."""
    insurer_no, insured_no = _principal(actor)
    _consent_gate(session, settings, actor, "write")
    consent = access.record_consent(
        session, insurer_no, insured_no, "PERSON", today_jst(), actor.display_name[:100]
    )
    proxies.record_action(
        session, settings, actor, insurer_no, insured_no, "consent", "write", "GIVEN"
    )
    return consent


def end_assignment(
    session: Session, settings: Settings, actor: Actor, assignment_id: int
) -> Assignment:
    """End one office's assignment at the person's request (``end_reason`` PERSON)."""
    insurer_no, insured_no = _principal(actor)
    _consent_gate(session, settings, actor, "write")
    row = session.get(Assignment, assignment_id)
    if row is None or (row.insurer_no, row.insured_no) != (insurer_no, insured_no):
        raise NotFound("担当事業所の登録が見つかりません", code="PERSON-ASSIGNMENT-NOT-FOUND")
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), "PERSON"
        session.flush()
        proxies.record_action(
            session, settings, actor, insurer_no, insured_no, "assignment", "write", "ENDED"
        )
    return row


# --- notices and contact ---------------------------------------------------------------------


def list_notices(session: Session, actor: Actor, limit: int = 20) -> list[PersonNotice]:
    insurer_no, insured_no = _principal(actor)
    return list(
        session.scalars(
            select(PersonNotice)
            .where(PersonNotice.insurer_no == insurer_no, PersonNotice.insured_no == insured_no)
            .order_by(PersonNotice.id.desc())
            .limit(limit)
        )
    )


def mark_notices_read(session: Session, actor: Actor) -> None:
    now = utcnow()
    for notice in list_notices(session, actor, limit=200):
        if notice.read_at is None:
            notice.read_at = now


def get_contact(session: Session, actor: Actor) -> PersonContact | None:
    return session.get(PersonContact, _principal(actor))


def set_contact(
    session: Session, settings: Settings, actor: Actor, email: str, notify: bool
) -> PersonContact:
    """Where notices go besides the portal (the person only)."""
    proxies.require_self(session, settings, actor, "write")
    insurer_no, insured_no = _principal(actor)
    email = email.strip()
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise InvalidInput("メールアドレスを正しく入力してください", code="PERSON-EMAIL-INVALID")
    contact = session.get(PersonContact, (insurer_no, insured_no))
    if contact is None:
        contact = PersonContact(insurer_no=insurer_no, insured_no=insured_no)
        session.add(contact)
    contact.email = email or None
    contact.notify_by_email = bool(notify and email)
    contact.updated_at = utcnow()
    session.flush()
    return contact
