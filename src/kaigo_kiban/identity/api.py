"""JSON endpoints of identity verification (office staff only). Thin: the service decides.

A refused verification's attempt record and consumed challenge are kept by the service
(``core.database.keep``), so they stay on record although the request fails.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.http.deps import AppSettings, Db
from kaigo_kiban.identity import rules, service
from kaigo_kiban.identity.schemas import (
    AssignmentOut,
    CardVerificationRequest,
    ChallengeOut,
    ChallengeRequest,
    FourAttributesRequest,
)
from kaigo_kiban.pki.rules import check_office_match

router = APIRouter(prefix="/api/v1/identity", tags=["本人確認"])


def office_actor(
    request: Request, actor: CurrentActor, _csrf: Annotated[None, Depends(check_csrf)]
) -> Actor:
    """Office staff only; on a mutual-TLS connection the terminal must belong to that office.

    The CSRF check comes after sign-in here, so an API call without a token gets 401, not a
    CSRF error. ``accounts.actors`` applies the terminal rule to every signed-in request; repeating
    it here keeps these endpoints safe on their own.
    """
    check_office_match(getattr(request.state, "cert_office_no", None), actor)
    service.require_office(actor)
    return actor


OfficeActor = Annotated[Actor, Depends(office_actor)]


@router.post(
    "/challenges",
    response_model=ChallengeOut,
    status_code=201,
    summary="マイナンバーカード確認用のチャレンジを発行 (5分間・1回限り)",
)
def create_challenge(body: ChallengeRequest, db: Db, actor: OfficeActor) -> ChallengeOut:
    issued = service.issue_challenge(db, actor, body.insurer_no, body.insured_no)
    return ChallengeOut(
        challenge_id=issued.challenge_id, challenge=issued.challenge, expires_at=issued.expires_at
    )


@router.post(
    "/card-verifications",
    response_model=AssignmentOut,
    status_code=201,
    summary="カードの署名を検証し、担当事業所として登録",
)
def verify_card(
    body: CardVerificationRequest, db: Db, settings: AppSettings, actor: OfficeActor
) -> AssignmentOut:
    assignment = service.verify_card(
        db,
        settings,
        actor,
        challenge_id=body.challenge_id,
        certificate_pem=body.certificate,
        signature=body.signature,
        service_type=body.service_type,
    )
    return AssignmentOut.of(assignment)


@router.post(
    "/four-attributes",
    response_model=AssignmentOut,
    status_code=201,
    summary="4情報 (氏名・生年月日・性別・住所) で確認し、担当事業所として登録",
)
def verify_four_attributes(
    body: FourAttributesRequest, db: Db, actor: OfficeActor
) -> AssignmentOut:
    attributes = rules.FourAttributes(body.name, body.birth_date, body.sex, body.address)
    assignment = service.verify_four_attributes(
        db, actor, body.insurer_no, attributes, body.service_type
    )
    return AssignmentOut.of(assignment)
