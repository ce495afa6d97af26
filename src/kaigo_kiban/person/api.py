"""The person's API credential: card sign-in over the API → a 60-minute bearer token for
``/fhir`` (an app the person or their proxy uses to see their own data and who read it).

Thin: the card checks, the refusal record and the session are ``person.service``'s; what the
token may read is the gate's (``access.rules.decide``: the person's own data; a proxy's
granted kinds only).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.rules import PERSON_TOKEN_PREFIX
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.http.deps import AppSettings, Db, bearer_token
from kaigo_kiban.person import schemas, service

router = APIRouter(prefix="/api/v1/person", tags=["本人 (カードでのログイン)"])


def _principal(p: service.Principal) -> schemas.Principal:
    return schemas.Principal(
        patient=f"Patient/{p.insurer_no}-{p.insured_no}",
        name=p.name,
        proxy=p.grant is not None,
        scope=sorted(p.grant.scope.split()) if p.grant else [],
    )


@router.post(
    "/challenge",
    response_model=schemas.ChallengeOut,
    status_code=201,
    summary="カードで署名するチャレンジの発行 (認証不要)",
    description="5分間・1回限り有効な文字列を返します。アプリはカードの利用者証明用電子証明書で"
    "この文字列に署名し、`POST /api/v1/person/token` に送ります。",
)
def issue_challenge(db: Db) -> schemas.ChallengeOut:
    issued = service.issue_challenge(db)
    return schemas.ChallengeOut(
        challenge_id=issued.challenge_id,
        challenge=issued.challenge,
        expires_at=issued.expires_at,
    )


@router.post(
    "/token",
    response_model=schemas.PersonToken,
    summary="本人用アクセストークンの発行 (カードの署名)",
    description="カードの証明書 (信頼できる発行元・有効期間・失効リスト) と、チャレンジへの署名を"
    "確かめ、カードに結び付いた被保険者本人または代理人として 60 分有効なトークンを返します。"
    "このトークンで読めるのは `/fhir` の、その方の情報だけです (代理人は許可された種類だけ)。"
    "失敗はすべて記録され、チャレンジは失敗しても使用済みになります。",
)
def issue_token(
    body: schemas.PersonTokenRequest, db: Db, settings: AppSettings
) -> schemas.PersonToken:
    signed = service.sign_in_for_api(
        db,
        settings,
        challenge_id=body.challenge_id,
        certificate_pem=body.certificate_pem,
        signature=body.signature,
        invite_code=body.invite_code,
        patient=body.patient_key(),
    )
    return schemas.PersonToken(
        access_token=signed.secret,
        expires_in=int((signed.session.expires_at - utcnow()).total_seconds()),
        acting_for=_principal(signed.acting),
        principals=[_principal(p) for p in signed.principals],
    )


@router.post(
    "/revoke",
    status_code=204,
    summary="本人用アクセストークンの失効 (ログアウト)",
    description="Authorization: Bearer で送ったトークンを失効させます。"
    "無効なトークンでも 204 を返します (トークンの有無を推測させないため)。",
)
def revoke(db: Db, authorization: Annotated[str | None, Header()] = None) -> None:
    token = bearer_token(authorization)
    if token and token.startswith(PERSON_TOKEN_PREFIX):
        accounts.end_person_session(db, token)
