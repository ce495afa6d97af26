"""Rows of the product → FHIR R4 resources (plain dicts, validated with ``fhir.resources`` in tests).

Each builder takes rows that the caller has already been allowed to read; nothing here
reads the database or checks access.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kaigo_kiban.access.formats import CONSENT_SOURCE_NAMES, CONSENT_SOURCES
from kaigo_kiban.access.rules import ACTIONS, DATA_KINDS
from kaigo_kiban.accounts.rules import JOB_TYPES
from kaigo_kiban.audit import rules as audit_rules
from kaigo_kiban.cards.formats import CARE_LEVELS
from kaigo_kiban.fhir import rules as r
from kaigo_kiban.registry.models import InsuredPerson, Insurer, Organization

if TYPE_CHECKING:  # the rows come from those areas' readers; only their shape is used here
    from kaigo_kiban.access.models import Consent
    from kaigo_kiban.audit.models import AuditEvent
    from kaigo_kiban.cards.models import CopayCard, InsuranceCard

THO = "http://terminology.hl7.org/CodeSystem"
CONSENT_SOURCE_LABELS = {
    **{CONSENT_SOURCE_NAMES[k]: CONSENT_SOURCES[k] for k in CONSENT_SOURCE_NAMES},
    "PERSON": "本人が登録",
}
_GENDER = {"1": "male", "2": "female"}
_ORG_TYPES = {
    "insurer": ("ins", "Insurance Company", "保険者"),
    "municipality": ("govt", "Government", "市町村"),
    "office": ("prov", "Healthcare Provider", "介護サービス事業所"),
    "medical": ("prov", "Healthcare Provider", "医療機関"),
}
# IHE BALP: RESTful interaction and DICOM action code per audited action.
_BALP_ACTIONS = {
    "read": ("read", "R"),
    "search": ("search-type", "E"),
    "list": ("search-type", "E"),
    "write": ("create", "C"),
}


def insurer_ref(insurer_no: str, name: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "reference": f"Organization/insurer-{insurer_no}",
        "identifier": {"system": r.SID_INSURER_NO, "value": insurer_no},
    }
    if name:
        ref["display"] = name
    return ref


def patient_ref(insurer_no: str, insured_no: str) -> dict[str, Any]:
    return {"reference": f"Patient/{r.patient_id(insurer_no, insured_no)}"}


def _human_name(name: str, representation: str) -> dict[str, Any]:
    family, given = r.split_name(name)
    out: dict[str, Any] = {
        "extension": [{"url": r.EXT_EN_REPRESENTATION, "valueCode": representation}],
        "use": "official",
        "text": name,
    }
    if family:
        out["family"] = family
        out["given"] = given
    return out


def patient(person: InsuredPerson, insurer: Insurer | None, today: dt.date) -> dict[str, Any]:
    """被保険者 → Patient: 被保険者番号 in the insurer's namespace, kanji (IDE) and kana (SYL) names."""
    names = []
    if person.name_kanji:
        names.append(_human_name(person.name_kanji, "IDE"))
    if person.name_kana:
        names.append(_human_name(person.name_kana, "SYL"))
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": r.patient_id(person.insurer_no, person.insured_no),
        "identifier": [
            {
                "use": "official",
                "type": {"text": "介護保険被保険者番号"},
                "system": r.insured_system(person.insurer_no),
                "value": person.insured_no,
                "assigner": insurer_ref(person.insurer_no, insurer.name if insurer else None),
            }
        ],
        "active": person.disqualified_on is None or person.disqualified_on > today,
        "name": names,
        "gender": _GENDER.get(person.sex, "unknown"),
        "birthDate": person.birth_date.isoformat(),
        "managingOrganization": insurer_ref(person.insurer_no, insurer.name if insurer else None),
    }
    if person.address or person.postal_code:
        address: dict[str, Any] = {"use": "home", "country": "JP"}
        if person.address:
            address["text"] = person.address
        if person.postal_code:
            address["postalCode"] = person.postal_code
        resource["address"] = [address]
    return resource


def _org_type(kind: str) -> list[dict[str, Any]]:
    code, display, text = _ORG_TYPES[kind]
    return [
        {
            "coding": [{"system": f"{THO}/organization-type", "code": code, "display": display}],
            "text": text,
        }
    ]


def insurer_organization(insurer: Insurer) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": f"insurer-{insurer.insurer_no}",
        "identifier": [{"system": r.SID_INSURER_NO, "value": insurer.insurer_no}],
        "active": True,
        "type": _org_type("insurer"),
        "name": insurer.name,
    }


def organization(org: Organization, service_types: list[str]) -> dict[str, Any]:
    """Offices (事業所番号 and サービス種類), medical institutions, municipal departments."""
    system = {
        "office": r.SID_OFFICE_NO,
        "medical": r.SID_MEDICAL_CODE,
        "municipality": r.SID_INSURER_NO,
    }[org.kind]
    types = _org_type(org.kind)
    if service_types:
        types.append(
            {
                "coding": [{"system": r.CS_SERVICE_TYPE, "code": t} for t in service_types],
                "text": "サービス種類コード",
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": f"{org.kind}-{org.code}",
        "identifier": [{"system": system, "value": org.code}],
        "active": True,
        "type": types,
        "name": org.name,
    }
    if org.address:
        resource["address"] = [{"text": org.address, "country": "JP"}]
    if org.kind == "municipality" and org.insurer_no:
        resource["partOf"] = insurer_ref(org.insurer_no)
    return resource


def _period(start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    period = {}
    if start:
        period["start"] = start.isoformat()
    if end:
        period["end"] = end.isoformat()
    return period


APPLICATION_KIND_CODES = {"1": "新規申請", "2": "更新申請", "3": "区分変更申請", "4": "職権"}


def _card_status_extensions(card: InsuranceCard) -> list[dict[str, Any]]:
    """申請中, 給付制限, 住所地特例 and what the platform reflected (docs/fhir.md)."""
    out: list[dict[str, Any]] = []
    if card.application_status == "2":
        parts: list[dict[str, Any]] = [
            {
                "url": "kind",
                "valueCoding": {
                    "code": card.application_kind or "",
                    "display": APPLICATION_KIND_CODES.get(card.application_kind or "", "申請"),
                },
            }
        ]
        if card.applied_on:
            parts.append({"url": "appliedOn", "valueDate": card.applied_on.isoformat()})
        out.append({"url": r.EXT_APPLICATION_PENDING, "extension": parts})
    for kind, start, end in (
        ("reimbursement", card.reimbursement_from, card.reimbursement_to),
        ("benefit-rate-reduction", card.benefit_cut_from, card.benefit_cut_to),
    ):
        if start is not None:
            out.append(
                {
                    "url": r.EXT_BENEFIT_RESTRICTION,
                    "extension": [
                        {"url": "kind", "valueCode": kind},
                        {"url": "period", "valuePeriod": _period(start, end)},
                    ],
                }
            )
    if card.address_exception == "2":
        parts = [{"url": "applies", "valueBoolean": True}]
        if card.facility_insurer_no:
            parts.append({"url": "facilityInsurer", "valueString": card.facility_insurer_no})
        out.append({"url": r.EXT_ADDRESS_EXCEPTION, "extension": parts})
    for fact in card.platform_facts:
        out.append(
            {
                "url": r.EXT_PLATFORM_FACT,
                "extension": [
                    {"url": "source", "valueString": fact.source_label},
                    {"url": "period", "valuePeriod": _period(fact.valid_from, fact.valid_to)},
                ],
            }
        )
    return out


def coverage(
    card: InsuranceCard, insurer: Insurer | None, copay: CopayCard | None
) -> dict[str, Any]:
    """被保険者証 (one 履歴番号) → Coverage; 負担割合 from the 負担割合証 as costToBeneficiary."""
    extensions: list[dict[str, Any]] = []
    if card.care_level:
        extensions.append(
            {
                "url": r.EXT_CARE_LEVEL,
                "valueCoding": {
                    "system": r.CS_CARE_LEVEL,
                    "code": card.care_level,
                    "display": CARE_LEVELS.get(card.care_level, card.care_level),
                },
            }
        )
    if card.cert_valid_from or card.cert_valid_to:
        extensions.append(
            {
                "url": r.EXT_CERT_PERIOD,
                "valuePeriod": _period(card.cert_valid_from, card.cert_valid_to),
            }
        )
    if card.benefit_limit_units is not None:
        extensions.append({"url": r.EXT_LIMIT_UNITS, "valueInteger": card.benefit_limit_units})
    extensions += _card_status_extensions(card)
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": r.coverage_id(card.insurer_no, card.insured_no, card.history_no),
        "status": "entered-in-error" if card.deleted else "active",
        "type": {
            "coding": [
                {"system": f"{THO}/v3-ActCode", "code": "PUBLICPOL", "display": "public healthcare"}
            ],
            "text": "介護保険",
        },
        "subscriberId": card.insured_no,
        "beneficiary": patient_ref(card.insurer_no, card.insured_no),
        "relationship": {"coding": [{"system": f"{THO}/subscriber-relationship", "code": "self"}]},
        "period": _period(card.valid_from, card.valid_to),
        "payor": [insurer_ref(card.insurer_no, insurer.name if insurer else None)],
    }
    if extensions:
        resource["extension"] = extensions
    if card.care_level:
        resource["class"] = [
            {
                "type": {
                    "coding": [{"system": f"{THO}/coverage-class", "code": "plan"}],
                    "text": "要介護状態区分",
                },
                "value": card.care_level,
                "name": CARE_LEVELS.get(card.care_level, card.care_level),
            }
        ]
    if copay is not None:
        resource["costToBeneficiary"] = [
            {
                "type": {
                    "coding": [{"system": f"{THO}/coverage-copay-type", "code": "copaypct"}],
                    "text": f"利用者負担の割合 (負担割合証 履歴番号 {copay.history_no})",
                },
                "valueQuantity": {
                    "value": copay.ratio * 10,
                    "unit": "%",
                    "system": "http://unitsofmeasure.org",
                    "code": "%",
                },
            }
        ]
    return resource


def consent(c: Consent) -> dict[str, Any]:
    """包括同意 → Consent (permit, no per-view consent: policyRule OPTIN)."""
    provision_period = {"start": c.effective_from.isoformat()}
    if c.withdrawn_at:
        provision_period["end"] = c.withdrawn_at.isoformat()
    return {
        "resourceType": "Consent",
        "id": str(c.id),
        "extension": [
            {
                "url": r.EXT_CONSENT_SOURCE,
                "valueCoding": {
                    "system": r.CS_CONSENT_SOURCE,
                    "code": c.source,
                    "display": CONSENT_SOURCE_LABELS.get(c.source, c.source),
                },
            }
        ],
        "status": "inactive" if c.withdrawn_at else "active",
        "scope": {"coding": [{"system": f"{THO}/consentscope", "code": "patient-privacy"}]},
        "category": [
            {
                "coding": [
                    {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
                ],
                "text": "介護情報基盤の包括同意",
            }
        ],
        "patient": patient_ref(c.insurer_no, c.insured_no),
        "dateTime": c.obtained_at.isoformat(),
        "organization": [insurer_ref(c.insurer_no)],
        "policyRule": {
            "coding": [{"system": f"{THO}/v3-ActCode", "code": "OPTIN"}],
            "text": "包括同意 (閲覧ごとの同意は不要)",
        },
        "provision": {"type": "permit", "period": provision_period},
    }


def audit_event(ev: AuditEvent) -> dict[str, Any]:
    """An access-log row → AuditEvent shaped like an IHE BALP patient-read (or search) event."""
    interaction, action = _BALP_ACTIONS.get(ev.action, ("read", "R"))
    user: dict[str, Any] = {
        "type": {"coding": [{"system": f"{THO}/extra-security-role-type", "code": "humanuser"}]},
        "who": {"display": ev.actor_name or ev.actor_kind},
        "requestor": True,
    }
    if ev.account_id is not None:
        user["who"]["identifier"] = {"system": r.SID_STAFF_ACCOUNT, "value": str(ev.account_id)}
    role = audit_rules.person_actor_role(ev.actor_kind, ev.proxy_for, ev.reason)
    if role == "self" and ev.insurer_no and ev.insured_no:
        user["who"] = {**patient_ref(ev.insurer_no, ev.insured_no), "display": "本人"}
    elif role == "other":  # someone else's card, refused: not named to the person
        user["who"] = {"display": "ほかの被保険者 (カードでログイン)"}
    if ev.job_type:
        user["role"] = [
            {
                "coding": [
                    {
                        "system": r.CS_JOB_TYPE,
                        "code": ev.job_type,
                        "display": JOB_TYPES.get(ev.job_type, ev.job_type),
                    }
                ]
            }
        ]
    agents = [user]
    if ev.organization_kind in _ORG_TYPES and ev.organization_code:
        agents.append(
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://dicom.nema.org/resources/ontology/DCM",
                            "code": "110153",
                            "display": "Source Role ID",
                        }
                    ]
                },
                "who": {
                    "reference": f"Organization/{ev.organization_kind}-{ev.organization_code}",
                    "display": ev.organization_name or ev.organization_code,
                },
                "requestor": False,
            }
        )
    entities: list[dict[str, Any]] = []
    if ev.insurer_no and ev.insured_no:
        entities.append(
            {
                "what": patient_ref(ev.insurer_no, ev.insured_no),
                "type": {"system": f"{THO}/audit-entity-type", "code": "1", "display": "Person"},
                "role": {"system": f"{THO}/object-role", "code": "1", "display": "Patient"},
            }
        )
    entities.append(
        {
            "what": {"display": DATA_KINDS.get(ev.data_kind, ev.data_kind)},
            "type": {
                "system": f"{THO}/audit-entity-type",
                "code": "2",
                "display": "System Object",
            },
            "detail": [
                {"type": "data_kind", "valueString": ev.data_kind},
                {"type": "action", "valueString": ACTIONS.get(ev.action, ev.action)},
            ],
        }
    )
    allowed = ev.outcome == "allowed"
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(ev.id),
        "type": {
            "system": f"{THO}/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": interaction}],
        "action": action,
        "recorded": ev.occurred_at.isoformat(),
        "outcome": "0" if allowed else "4",
        "agent": agents,
        "source": {
            "observer": {"display": "kaigo-kiban"},
            "type": [
                {
                    "system": f"{THO}/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": entities,
    }
    if not allowed:
        resource["outcomeDesc"] = ev.reason
    return resource


# --- resources of other areas (LIFE, delivered care plans) ---------------------------------


def barthel_observation(insurer_no: str, insured_no: str, row: Any, seq: int) -> dict[str, Any]:
    """A LIFE assessment's Barthel Index total → Observation (``row``: ``life.service.TrendRow``)."""
    day: dt.date = row.evaluate_date
    return {
        "resourceType": "Observation",
        "id": f"{r.patient_id(insurer_no, insured_no)}-barthel-{day:%Y%m%d}-{seq}",
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": f"{THO}/observation-category", "code": "survey", "display": "Survey"}
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": r.CS_LIFE, "code": "barthel-total", "display": "Barthel Index 合計点"}
            ],
            "text": "Barthel Index (LIFE)",
        },
        "subject": patient_ref(insurer_no, insured_no),
        "effectiveDateTime": day.isoformat(),
        "performer": [{"display": row.office_name}],
        "valueInteger": row.barthel_total,
    }


_PLAN_STATUS = {"ACTIVE": "current", "SUPERSEDED": "superseded", "WITHDRAWN": "entered-in-error"}


def care_plan_document(insurer_no: str, insured_no: str, plan: Any) -> dict[str, Any]:
    """A care plan delivered to the person → DocumentReference (``plan``:
    ``careplan.delivery.DeliveredPlan``); the file itself stays in the care-plan API."""
    return {
        "resourceType": "DocumentReference",
        "id": f"careplan-{plan.delivery_id}",
        "status": _PLAN_STATUS.get(plan.state, "current"),
        "type": {"text": plan.title},
        "category": [{"text": "ケアプラン (交付)"}],
        "subject": patient_ref(insurer_no, insured_no),
        "date": plan.delivered_at.isoformat(),
        "author": [
            {"reference": f"Organization/office-{plan.office_no}", "display": plan.office_name}
        ],
        "description": f"{plan.title} (計画作成日 {plan.plan_date})",
        "content": [{"attachment": {"contentType": "text/csv", "title": plan.file_name}}],
    }
