"""Request and response bodies of the identity API."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from kaigo_kiban.access.models import Assignment


class ChallengeRequest(BaseModel):
    insurer_no: str = Field(pattern=r"^[0-9]{6}$", description="保険者番号 (6桁)")
    insured_no: str = Field(pattern=r"^[0-9]{10}$", description="被保険者番号 (10桁)")


class ChallengeOut(BaseModel):
    challenge_id: str
    challenge: str = Field(description="カードで署名する文字列 (5分間・1回限り有効)")
    expires_at: dt.datetime


class CardVerificationRequest(BaseModel):
    challenge_id: str = Field(max_length=64)
    certificate: str = Field(max_length=20_000, description="利用者証明用電子証明書 (PEM)")
    signature: str = Field(max_length=2_000, description="チャレンジへの署名 (base64)")
    service_type: str = Field(pattern=r"^[0-9A-Z]{2}$", description="サービス種類コード")


class FourAttributesRequest(BaseModel):
    insurer_no: str = Field(pattern=r"^[0-9]{6}$", description="保険者番号 (6桁)")
    name: str = Field(min_length=1, max_length=100, description="氏名 (漢字、またはカナ)")
    birth_date: dt.date = Field(description="生年月日")
    sex: Literal["1", "2"] = Field(description="性別 (1 男 / 2 女)")
    address: str = Field(min_length=1, max_length=200, description="住所")
    service_type: str = Field(pattern=r"^[0-9A-Z]{2}$", description="サービス種類コード")


class AssignmentOut(BaseModel):
    """The assigned-office registration made by a successful verification."""

    assignment_id: int
    insurer_no: str
    insured_no: str
    office_no: str
    service_type: str
    verified_by: str = Field(description="MYNUMBER_CARD | FOUR_ATTRIBUTES")
    verified_at: dt.datetime

    @classmethod
    def of(cls, assignment: Assignment) -> AssignmentOut:
        return cls(
            assignment_id=assignment.id,
            insurer_no=assignment.insurer_no,
            insured_no=assignment.insured_no,
            office_no=assignment.office_no,
            service_type=assignment.service_type,
            verified_by=assignment.verified_by,
            verified_at=assignment.verified_at,
        )
