"""API shapes of authentication."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    login_id: str = Field(..., description="ログインID", examples=["cm-sato"])
    password: str = Field(..., description="パスワード")
    otp: str = Field(..., description="ワンタイムパスワード (TOTP 6桁)", examples=["123456"])


class RefreshRequest(BaseModel):
    refresh_token: str = Field(..., description="リフレッシュトークン (8時間有効)")


class TokenPair(BaseModel):
    access_token: str = Field(..., description="アクセストークン (60分有効)")
    token_type: str = "Bearer"
    expires_in: int = Field(..., description="アクセストークンの残り秒数")
    refresh_token: str | None = None
    refresh_expires_in: int | None = None
