"""Token endpoints of the API: ID + password + TOTP → access (60 min) and refresh (8 h) tokens."""

from __future__ import annotations

from fastapi import APIRouter

from kaigo_kiban.accounts import service
from kaigo_kiban.accounts.schemas import RefreshRequest, TokenPair, TokenRequest
from kaigo_kiban.core.errors import Unauthenticated
from kaigo_kiban.web.deps import AppSettings, Db

router = APIRouter(prefix="/api/v1/auth", tags=["認証"])


@router.post(
    "/token",
    response_model=TokenPair,
    summary="トークンの発行 (ID・パスワード・ワンタイムパスワード)",
)
def issue_token(body: TokenRequest, db: Db, settings: AppSettings) -> dict[str, object]:
    try:
        account = service.authenticate(db, settings, body.login_id, body.password, body.otp)
    except Unauthenticated:
        db.commit()  # the failure counts towards the lockout
        raise
    return service.issue_token_pair(db, settings, account)


@router.post("/refresh", response_model=TokenPair, summary="アクセストークンの再発行")
def refresh(body: RefreshRequest, db: Db, settings: AppSettings) -> dict[str, object]:
    return service.refresh_access_token(db, settings, body.refresh_token)


@router.post(
    "/revoke",
    status_code=204,
    summary="リフレッシュトークンの失効 (派生したアクセストークンも失効)",
)
def revoke(body: RefreshRequest, db: Db) -> None:
    cred = service.resolve_credential(db, body.refresh_token, ("refresh",))
    if cred is not None:
        service.revoke(db, cred)
