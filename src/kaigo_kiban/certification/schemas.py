"""Request bodies of the certification API (responses are documented in docs/certification.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class OpinionRequestIn(BaseModel):
    insured_no: str = Field(..., pattern=r"^[0-9]{10}$", description="被保険者番号")
    application_no: str = Field(..., pattern=r"^[0-9]{1,20}$", description="申請番号")
    institution_code: str = Field(..., pattern=r"^[0-9]{10}$", description="医療機関コード")
    requested_on: dt.date = Field(..., description="依頼年月日")
    due_on: dt.date | None = Field(None, description="提出期限")
    doctor_name: str | None = Field(None, max_length=50, description="主治医氏名")


class OpinionContentIn(BaseModel):
    content: dict[str, Any] = Field(
        ..., description="様式の項目ID → 値 (文字列、またはチェック項目はコードの配列)"
    )


class SubmitIn(BaseModel):
    content: dict[str, Any] | None = Field(None, description="省略時は保存済みの下書きを提出")


class SignatureIn(BaseModel):
    signature: str = Field(..., description="正規化JSONに対する ECDSA-SHA256 署名 (DER) の Base64")
    certificate_chain_pem: str = Field(..., description="署名した医師の証明書 (PEM、先頭が署名者)")


class PlanNoticeIn(BaseModel):
    insurer_no: str = Field(..., pattern=r"^[0-9]{6}$", description="保険者番号")
    insured_no: str = Field(..., pattern=r"^[0-9]{10}$", description="被保険者番号")
    plan_valid_from: dt.date = Field(..., description="居宅サービス計画の適用開始日")
    notice_kind: str = Field("1", description="1 新規 / 2 変更 (事業所の変更)")
    remarks: str | None = Field(None, max_length=500, description="備考")


class AcceptIn(BaseModel):
    notified_on: dt.date | None = Field(None, description="届出年月日 (省略時は提出日)")


class ReturnIn(BaseModel):
    reason: str = Field(..., min_length=1, max_length=500, description="返戻の理由")


class WebhookIn(BaseModel):
    url: str = Field(
        ..., max_length=500, description="通知先 URL (https、開発時のみ http://127.0.0.1)"
    )
