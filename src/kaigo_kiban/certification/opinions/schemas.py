"""Request bodies of the 主治医意見書 API (responses are documented in docs/certification.md)."""

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
