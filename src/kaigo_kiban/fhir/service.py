"""FHIR use cases. Every read of a person's data passes ``access.open_person`` and is audited.

Searches return ``(sort key, resource)`` pairs sorted by the key, which the router pages with
an opaque ``_page`` cursor. Data kinds: Patient and Coverage read the 被保険者証
(``insurance_card``, the gate) and Coverage also the 負担割合証 (``copay_card``); Consent reads
``consent``; AuditEvent reads ``access_history``. Observation (LIFE) and
DocumentReference (delivered care plans) are built from those areas' services, which
authorise and audit themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.audit import service as audit
from kaigo_kiban.cards import service as cards
from kaigo_kiban.careplan.delivery import list_delivered_plans
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.fhir import mapping
from kaigo_kiban.fhir import rules as r
from kaigo_kiban.life.trends import person_trend
from kaigo_kiban.registry.models import InsuredPerson, Insurer, OfficeService, Organization

Found = tuple[tuple[Any, ...], dict[str, Any]]
#: Cap on the rows one search considers (a person's access history is far smaller).
SEARCH_CAP = 10_000


def _by_key(found: Found) -> tuple[Any, ...]:
    return found[0]


# --- Patient ---------------------------------------------------------------------------------


def read_patient(
    session: Session, settings: Settings, actor: Actor, resource_id: str
) -> dict[str, Any]:
    insurer_no, insured_no = r.parse_patient_id(resource_id)
    access.open_kind(session, settings, actor, insurer_no, insured_no, "insurance_card")
    person = session.get(InsuredPerson, (insurer_no, insured_no))
    assert person is not None  # the gate denies a person who does not exist
    return mapping.patient(person, session.get(Insurer, insurer_no), today_jst())


def search_patients(
    session: Session,
    settings: Settings,
    actor: Actor,
    identifier: str | None,
    birthdate: dt.date | None = None,
) -> list[Found]:
    """Patients by 被保険者番号 (``identifier``), each shown only if allowed (audited as a search).

    A number that matches nobody is audited as a denied search too, and both cases return an
    empty result, so numbers cannot be probed.
    """
    if not identifier:
        raise InvalidInput(
            "identifier (被保険者番号) を指定してください", code="FHIR-SEARCH-PARAM-REQUIRED"
        )
    token = r.parse_token(identifier)
    insurer_no: str | None = None
    if token.system and token.system.startswith(r.SID_INSURED_NO + "/"):
        insurer_no = token.system.removeprefix(r.SID_INSURED_NO + "/")
    elif token.system not in (None, r.SID_INSURED_NO):
        return []  # another identifier system: nothing of ours can match
    if not r.is_number(token.value, 10) or (
        insurer_no is not None and not r.is_number(insurer_no, 6)
    ):
        return []  # not a 被保険者番号 at all: nothing was looked up
    stmt = select(InsuredPerson).where(InsuredPerson.insured_no == token.value)
    if insurer_no is not None:
        stmt = stmt.where(InsuredPerson.insurer_no == insurer_no)
    if birthdate is not None:
        stmt = stmt.where(InsuredPerson.birth_date == birthdate)
    persons = session.scalars(stmt.order_by(InsuredPerson.insurer_no)).all()
    if not persons:
        access.open_person(
            session, settings, actor, None, token.value, ["insurance_card"], "search"
        )
        return []
    found = []
    today = today_jst()
    for person in access.visible_persons(session, settings, actor, list(persons)):
        insurer = session.get(Insurer, person.insurer_no)
        found.append(
            ((person.insurer_no, person.insured_no), mapping.patient(person, insurer, today))
        )
    return found


# --- Coverage --------------------------------------------------------------------------------


def _coverages(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    on: dt.date | None,
) -> list[tuple[Any, dict[str, Any]]]:
    grant = access.open_person(
        session,
        settings,
        actor,
        insurer_no,
        insured_no,
        ["insurance_card", "copay_card"],
        gate="insurance_card",
    )
    day = on or today_jst()
    insurer = session.get(Insurer, insurer_no)
    current = cards.find_card_valid_on(session, grant, "insurance_card", day)
    copay = (
        cards.find_card_valid_on(session, grant, "copay_card", day)
        if grant.allows("copay_card")
        else None
    )
    rows = (
        [current] if on is not None else cards.list_card_history(session, grant, "insurance_card")
    )
    return [
        (
            card,
            mapping.coverage(
                card,
                insurer,
                copay if current is not None and card.history_no == current.history_no else None,
            ),
        )
        for card in rows
        if card is not None
    ]


def search_coverages(
    session: Session, settings: Settings, actor: Actor, patient: str | None, on: dt.date | None
) -> list[Found]:
    """The 被保険者証 valid on ``on`` (or every 履歴番号, newest first), with the 負担割合."""
    insurer_no, insured_no = r.patient_reference(patient)
    found = _coverages(session, settings, actor, insurer_no, insured_no, on)
    return [((-card.history_no,), resource) for card, resource in found]


def read_coverage(
    session: Session, settings: Settings, actor: Actor, resource_id: str
) -> dict[str, Any]:
    insurer_no, insured_no, history_no = r.parse_coverage_id(resource_id)
    for card, resource in _coverages(session, settings, actor, insurer_no, insured_no, None):
        if card.history_no == history_no:
            return resource
    raise r.not_found("Coverage")


# --- Organization (not personal data: any signed-in caller) ---------------------------------


def _office_types(session: Session, org_ids: list[int]) -> dict[int, list[str]]:
    types: dict[int, list[str]] = {i: [] for i in org_ids}
    for org_id, service_type in session.execute(
        select(OfficeService.organization_id, OfficeService.service_type)
        .where(OfficeService.organization_id.in_(org_ids))
        .order_by(OfficeService.service_type)
    ):
        types[org_id].append(service_type)
    return types


def _org_resources(session: Session, orgs: list[Organization]) -> list[Found]:
    orgs = [o for o in orgs if o.kind in ("office", "medical", "municipality")]
    types = _office_types(session, [o.id for o in orgs])
    return [((o.kind, o.code), mapping.organization(o, types[o.id])) for o in orgs]


def read_organization(session: Session, resource_id: str) -> dict[str, Any]:
    kind, code = r.parse_organization_id(resource_id)
    if kind == "insurer":
        insurer = session.get(Insurer, code)
        if insurer is None:
            raise r.not_found("Organization")
        return mapping.insurer_organization(insurer)
    org = session.scalar(
        select(Organization).where(Organization.kind == kind, Organization.code == code)
    )
    if org is None:
        raise r.not_found("Organization")
    return _org_resources(session, [org])[0][1]


_ORG_SYSTEMS = {
    r.SID_INSURER_NO: ("insurer", "municipality"),
    r.SID_OFFICE_NO: ("office",),
    r.SID_MEDICAL_CODE: ("medical",),
}


def search_organizations(session: Session, identifier: str | None, name: str | None) -> list[Found]:
    """Insurers, offices, medical institutions and municipal departments by number or name."""
    if not identifier and not name:
        raise InvalidInput(
            "identifier または name を指定してください", code="FHIR-SEARCH-PARAM-REQUIRED"
        )
    kinds: tuple[str, ...] = ("insurer", "office", "medical", "municipality")
    value = None
    if identifier:
        token = r.parse_token(identifier)
        if token.system:
            if token.system not in _ORG_SYSTEMS:
                return []  # another identifier system: nothing of ours can match
            kinds = _ORG_SYSTEMS[token.system]
        value = token.value
    found: list[Found] = []
    if "insurer" in kinds:
        stmt = select(Insurer)
        if value is not None:
            stmt = stmt.where(Insurer.insurer_no == value)
        if name:
            stmt = stmt.where(Insurer.name.contains(name, autoescape=True))
        found += [
            (("insurer", i.insurer_no), mapping.insurer_organization(i))
            for i in session.scalars(stmt.order_by(Insurer.insurer_no).limit(SEARCH_CAP))
        ]
    org_kinds = [k for k in kinds if k != "insurer"]
    org_stmt = select(Organization).where(Organization.kind.in_(org_kinds))
    if value is not None:
        org_stmt = org_stmt.where(Organization.code == value)
    if name:
        org_stmt = org_stmt.where(Organization.name.contains(name, autoescape=True))
    orgs = session.scalars(
        org_stmt.order_by(Organization.kind, Organization.code).limit(SEARCH_CAP)
    )
    found += _org_resources(session, list(orgs))
    return sorted(found, key=_by_key)


# --- Consent ---------------------------------------------------------------------------------


def search_consents(
    session: Session, settings: Settings, actor: Actor, patient: str | None
) -> list[Found]:
    insurer_no, insured_no = r.patient_reference(patient)
    grant = access.open_kind(session, settings, actor, insurer_no, insured_no, "consent")
    rows = access.consents_of(session, grant)
    return sorted((((-c.id,), mapping.consent(c)) for c in rows), key=_by_key)


def read_consent(
    session: Session, settings: Settings, actor: Actor, resource_id: str
) -> dict[str, Any]:
    consent_id = r.parse_numeric_id(resource_id, "Consent")
    person = access.consent_person(session, consent_id)
    if person is None:
        raise r.not_found("Consent")
    grant = access.open_kind(session, settings, actor, *person, "consent")
    consent = next(c for c in access.consents_of(session, grant) if c.id == consent_id)
    return mapping.consent(consent)


# --- AuditEvent ------------------------------------------------------------------------------


def search_audit_events(
    session: Session,
    settings: Settings,
    actor: Actor,
    patient: str | None,
    dates: list[str],
) -> list[Found]:
    """Who read the person's data, newest first — for the person and their municipality.

    The read of the history is itself audited (and so appears in it).
    """
    insurer_no, insured_no = r.patient_reference(patient)
    period = r.parse_date_range(dates)
    grant = access.open_kind(session, settings, actor, insurer_no, insured_no, "access_history")
    since = (period.since - dt.timedelta(days=1)).date() if period.since else None
    events = audit.list_person_events(session, grant, since=since, limit=SEARCH_CAP)
    return [
        ((-ev.id,), mapping.audit_event(ev)) for ev in events if period.contains(ev.occurred_at)
    ]


def read_audit_event(
    session: Session, settings: Settings, actor: Actor, resource_id: str
) -> dict[str, Any]:
    event_id = r.parse_numeric_id(resource_id, "AuditEvent")
    person = audit.event_person(session, event_id)
    if person is None:
        raise r.not_found("AuditEvent")
    grant = access.open_kind(session, settings, actor, *person, "access_history")
    event = audit.person_event(session, grant, event_id)
    if event is None:
        raise r.not_found("AuditEvent")
    return mapping.audit_event(event)


# --- resources of other areas ----------------------------------------------------------------


def search_barthel(
    session: Session, settings: Settings, actor: Actor, patient: str | None
) -> list[Found]:
    """LIFE Barthel Index totals, oldest first (``life.service.person_trend``)."""
    insurer_no, insured_no = r.patient_reference(patient)
    trend = person_trend(session, settings, actor, insurer_no, insured_no)
    found = []
    seen: dict[dt.date, int] = {}
    for row in trend.rows:
        if row.barthel_total is None:
            continue
        seq = seen[row.evaluate_date] = seen.get(row.evaluate_date, 0) + 1
        found.append(
            (
                (row.evaluate_date.isoformat(), seq),
                mapping.barthel_observation(insurer_no, insured_no, row, seq),
            )
        )
    return found


def search_care_plan_documents(
    session: Session, settings: Settings, actor: Actor, patient: str | None
) -> list[Found]:
    """Care plans delivered to the person (``careplan.delivery.list_delivered_plans``)."""
    insurer_no, insured_no = r.patient_reference(patient)
    plans = list_delivered_plans(session, settings, actor, insurer_no, insured_no)
    return sorted(
        (((-p.delivery_id,), mapping.care_plan_document(insurer_no, insured_no, p)) for p in plans),
        key=_by_key,
    )
