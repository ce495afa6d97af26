"""Token endpoints of the API: ID + password + TOTP → access (60 min) and refresh (8 h) tokens."""

from __future__ import annotations

from fastapi import APIRouter

from kaigo_kiban.accounts import service
from kaigo_kiban.accounts.schemas import RefreshRequest, TokenPair, TokenRequest
from kaigo_kiban.http.deps import AppSettings, Db

router = APIRouter(prefix="/api/v1/auth", tags=["認証"])


@router.post(
    "/token",
    response_model=TokenPair,
    summary="トークンの発行 (ID・パスワード・ワンタイムパスワード)",
    description="ログインID・パスワード・ワンタイムパスワード (TOTP) を確かめ、アクセストークン (60分) と"
    "リフレッシュトークン (8時間) を返します。失敗が続くとアカウントは一定時間ロックされます"
    " (`ACC-LOCKED`)。同じワンタイムパスワードは1回しか使えません。"
    "本番環境では TLS 1.3 のクライアント証明書 (端末証明書) も必要です (docs/pki.md)。",
)
def issue_token(body: TokenRequest, db: Db, settings: AppSettings) -> dict[str, object]:
    account = service.authenticate(db, settings, body.login_id, body.password, body.otp)
    return service.issue_token_pair(db, settings, account)


@router.post(
    "/refresh",
    response_model=TokenPair,
    summary="アクセストークンの再発行",
    description="有効なリフレッシュトークンから新しいアクセストークンを発行します。"
    "リフレッシュトークン自体の有効期限 (発行から8時間) は延びません。",
)
def refresh(body: RefreshRequest, db: Db, settings: AppSettings) -> dict[str, object]:
    return service.refresh_access_token(db, settings, body.refresh_token)


@router.post(
    "/revoke",
    status_code=204,
    summary="リフレッシュトークンの失効 (派生したアクセストークンも失効)",
    description="ログアウト時に呼びます。無効なトークンを送っても 204 を返します"
    " (トークンの有無を推測させないため)。",
)
def revoke(body: RefreshRequest, db: Db) -> None:
    service.sign_out(db, body.refresh_token)
