"""API shapes of the person's card sign-in (an app the person or their proxy uses)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

PATIENT_PATTERN = r"^(Patient/)?[0-9]{6}-[0-9]{10}$"


class ChallengeOut(BaseModel):
    challenge_id: str = Field(..., description="チャレンジの ID (トークン発行時に送ります)")
    challenge: str = Field(
        ...,
        description="カードの利用者証明用電子証明書で署名する文字列 (UTF-8 の SHA-256 に署名)",
        examples=["kkmy1.3q2x..."],
    )
    expires_at: dt.datetime = Field(..., description="有効期限 (発行から5分、1回限り)")


class PersonTokenRequest(BaseModel):
    challenge_id: str = Field(..., max_length=64, description="チャレンジの ID")
    certificate_pem: str = Field(
        ...,
        max_length=20_000,
        description="カードの利用者証明用電子証明書 (PEM。中間 CA があれば続けて)",
    )
    signature: str = Field(
        ...,
        max_length=2_000,
        description="challenge の SHA-256 に対する署名 (Base64。ECDSA は DER、RSA は PKCS#1 v1.5)",
    )
    invite_code: str = Field(
        "", max_length=40, description="代理人の初回のみ: ご本人から受け取った招待コード"
    )
    patient: str | None = Field(
        None,
        pattern=PATIENT_PATTERN,
        description="だれとして閲覧するか (Patient/<保険者番号>-<被保険者番号>)。"
        "代理人が複数の方の代理をする場合に指定します。省略時はカードの最初の本人",
        examples=["Patient/149993-0000000001"],
    )

    def patient_key(self) -> tuple[str, str] | None:
        if self.patient is None:
            return None
        insurer_no, insured_no = self.patient.removeprefix("Patient/").split("-")
        return insurer_no, insured_no


class Principal(BaseModel):
    patient: str = Field(..., description="Patient/<保険者番号>-<被保険者番号>")
    name: str = Field(..., description="氏名")
    proxy: bool = Field(..., description="代理人としての閲覧なら true")
    scope: list[str] = Field(
        default_factory=list, description="代理人が閲覧できる情報の種類 (本人は空 = すべて)"
    )


class PersonToken(BaseModel):
    access_token: str = Field(
        ...,
        description="本人用アクセストークン (60分有効。既定では30分使わないと失効)。"
        "Authorization: Bearer で /fhir に送ります",
        examples=["kkp_..."],
    )
    token_type: str = Field("Bearer", description="常に Bearer")
    expires_in: int = Field(..., description="残り秒数", examples=[3600])
    acting_for: Principal = Field(..., description="このトークンで閲覧する方")
    principals: list[Principal] = Field(
        ..., description="このカードで閲覧できる方の一覧 (別の方は patient を指定して再発行)"
    )
