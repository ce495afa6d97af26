"""Assigned persons and consent taken on the municipality's behalf."""

from __future__ import annotations

from fastapi import APIRouter

from kaigo_kiban.access import service
from kaigo_kiban.access.schemas import AssignedPerson, AssignedPersons, ConsentIn, ConsentOut
from kaigo_kiban.web.deps import AppSettings, CurrentActor, Db

router = APIRouter(prefix="/api/v1", tags=["担当・同意"])


@router.get(
    "/assigned-persons", response_model=AssignedPersons, summary="自事業所の担当利用者の一覧"
)
def assigned_persons(db: Db, settings: AppSettings, actor: CurrentActor) -> AssignedPersons:
    rows = service.list_assigned_persons(db, settings, actor)
    return AssignedPersons(
        items=[
            AssignedPerson(
                insurer_no=a.insurer_no,
                insured_no=a.insured_no,
                name_kanji=p.name_kanji,
                name_kana=p.name_kana,
                birth_date=p.birth_date,
                service_type=a.service_type,
                verified_by=a.verified_by,
                verified_at=a.verified_at,
                state=state,
            )
            for a, p, state in rows
        ]
    )


@router.post(
    "/consents",
    response_model=ConsentOut,
    status_code=201,
    summary="包括同意の代行登録 (居宅介護支援・施設)",
)
def give_consent(body: ConsentIn, db: Db, settings: AppSettings, actor: CurrentActor) -> ConsentOut:
    consent = service.give_consent_on_behalf(
        db, settings, actor, body.insurer_no, body.insured_no, body.effective_from
    )
    return ConsentOut(
        id=consent.id,
        insurer_no=consent.insurer_no,
        insured_no=consent.insured_no,
        source=consent.source,
        effective_from=consent.effective_from,
    )
