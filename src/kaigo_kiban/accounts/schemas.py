"""API shapes of authentication."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    login_id: str = Field(..., description="ログインID", examples=["cm-sato"])
    password: str = Field(..., description="パスワード", examples=["Demo-Pass-2026!"])
    otp: str = Field(..., description="ワンタイムパスワード (TOTP 6桁)", examples=["123456"])


class RefreshRequest(BaseModel):
    refresh_token: str = Field(
        ..., description="リフレッシュトークン (8時間有効)", examples=["kkr_..."]
    )


class TokenPair(BaseModel):
    access_token: str = Field(
        ...,
        description="アクセストークン (60分有効)。Authorization: Bearer で送ります",
        examples=["kka_..."],
    )
    token_type: str = Field("Bearer", description="常に Bearer")
    expires_in: int = Field(..., description="アクセストークンの残り秒数", examples=[3600])
    refresh_token: str | None = Field(
        None, description="リフレッシュトークン (発行時のみ。8時間有効)", examples=["kkr_..."]
    )
    refresh_expires_in: int | None = Field(
        None, description="リフレッシュトークンの残り秒数 (発行時のみ)", examples=[28800]
    )
