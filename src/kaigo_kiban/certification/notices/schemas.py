"""Request bodies of the 届出 API (responses are documented in docs/certification.md)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


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
