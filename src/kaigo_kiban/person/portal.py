"""What the portal shows and changes: my data, who looked at it, consent and assigned offices.

Every read goes through the access gate (which checks a proxy's grant too), so each section
is authorised and audited on its own; a section the actor
may not see carries the reason instead of data. Consent and assignment changes take effect
at once (the gate reads them on every office request) and are audited as the actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies
from kaigo_kiban.access import rules as access_rules
from kaigo_kiban.access import service as access
from kaigo_kiban.access.rules import DATA_KINDS
from kaigo_kiban.accounts.rules import JOB_TYPES, Actor
from kaigo_kiban.audit import rules as audit_rules
from kaigo_kiban.audit import service as audit
from kaigo_kiban.benefits import service as benefits
from kaigo_kiban.cards import service as cards
from kaigo_kiban.careplan.delivery import list_delivered_plans
from kaigo_kiban.certification.cases.progress import person_progress
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core.clock import to_jst
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import trends
from kaigo_kiban.notices import service as notices
from kaigo_kiban.person import rules

if TYPE_CHECKING:
    from kaigo_kiban.audit.models import AuditEvent
    from kaigo_kiban.notices.models import PersonContact, PersonNotice

CARD_KINDS = ("insurance_card", "copay_card", "cost_cap_cert", "reduction_cert")
KIND_LABELS = {**DATA_KINDS, **rules.EXTRA_KIND_LABELS}


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
    insurer_no, insured_no = proxies.principal(actor)
    result: dict[str, Section] = {}
    grant = access.open_person(session, settings, actor, insurer_no, insured_no, CARD_KINDS)
    for kind in CARD_KINDS:
        if (refusal := grant.refused.get(kind)) is not None:
            result[kind] = _denied(refusal.message)
            continue
        current = cards.find_card_valid_on(session, grant, kind, day)
        history = [
            c
            for c in cards.list_card_history(session, grant, kind)
            if current is None or c.history_no != current.history_no
        ]
        result[kind] = Section(data={"current": current, "history": history})
    return result


def _delegated(
    session: Session,
    settings: Settings,
    actor: Actor,
    function: Callable[[Session, Settings, Actor, str, str], Any],
) -> Section:
    """A section another area serves; it authorises itself (a proxy's grant included)."""
    insurer_no, insured_no = proxies.principal(actor)
    try:
        return Section(data=function(session, settings, actor, insurer_no, insured_no))
    except PermissionDenied as exc:
        return _denied(exc.message)


def my_progress(session: Session, settings: Settings, actor: Actor) -> Section:
    """認定の進み具合 (``certification.cases.progress.person_progress``)."""
    return _delegated(session, settings, actor, person_progress)


def my_care_plans(session: Session, settings: Settings, actor: Actor) -> Section:
    """Care plans delivered to the person (``careplan.delivery.list_delivered_plans``)."""
    return _delegated(session, settings, actor, list_delivered_plans)


def my_usage(session: Session, settings: Settings, actor: Actor, day: dt.date) -> Section:
    """住宅改修費・福祉用具購入費: used and remaining amounts."""
    insurer_no, insured_no = proxies.principal(actor)
    try:
        summary = benefits.usage_summary(
            session, settings, actor, insurer_no, insured_no, as_of=day
        )
    except PermissionDenied as exc:
        return _denied(exc.message)
    return Section(data=summary)


def my_life(session: Session, settings: Settings, actor: Actor) -> Section:
    """LIFE assessments (Barthel Index and more) over time."""

    insurer_no, insured_no = proxies.principal(actor)
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
    insurer_no, insured_no = proxies.principal(actor)
    grant = access.open_kind(session, settings, actor, insurer_no, insured_no, "access_history")
    # The audit filter takes a UTC midnight; take a day more and cut at JST midnight here.
    since = flt.date_from - dt.timedelta(days=1) if flt.date_from else None
    events = audit.list_person_events(
        session,
        grant,
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


# --- notices and contact ---------------------------------------------------------------------


def list_notices(session: Session, actor: Actor, limit: int = 20) -> list[PersonNotice]:
    return notices.list_person_notices(session, *proxies.principal(actor), limit=limit)


def mark_notices_read(session: Session, actor: Actor) -> None:
    notices.mark_person_notices_read(session, *proxies.principal(actor))


def get_contact(session: Session, actor: Actor) -> PersonContact | None:
    return notices.person_contact(session, *proxies.principal(actor))


def set_contact(
    session: Session, settings: Settings, actor: Actor, email: str, notify: bool
) -> PersonContact:
    """Where notices go besides the portal (the person only)."""
    proxies.require_self(session, settings, actor, "write")
    return notices.set_person_contact(session, *proxies.principal(actor), email, notify)
