"""JSON shapes of assignments and consent."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class AssignedPerson(BaseModel):
    insurer_no: str = Field(..., description="保険者番号", examples=["131016"])
    insured_no: str = Field(..., description="被保険者番号", examples=["0000000001"])
    name_kanji: str = Field(..., description="氏名 (漢字)", examples=["試験 花子"])
    name_kana: str = Field(..., description="氏名 (カナ)", examples=["シケン ハナコ"])
    birth_date: dt.date = Field(..., description="生年月日")
    service_type: str = Field(..., description="登録したサービス種類コード", examples=["43"])
    verified_by: str = Field(..., description="本人確認の方法: MYNUMBER_CARD | FOUR_ATTRIBUTES")
    verified_at: dt.datetime = Field(..., description="本人確認・担当事業所登録の日時 (UTC)")
    state: str = Field(..., description="登録の状態: active | lapsed | ended")


class AssignedPersons(BaseModel):
    items: list[AssignedPerson] = Field(..., description="このページの担当利用者 (カナ氏名順)")
    next_cursor: str | None = Field(
        None, description="続きがあるとき、次のページを取得する cursor の値 (なければ null)"
    )


class ConsentIn(BaseModel):
    insurer_no: str = Field(
        ..., pattern=r"^[0-9]{6}$", description="保険者番号", examples=["131016"]
    )
    insured_no: str = Field(
        ..., pattern=r"^[0-9]{10}$", description="被保険者番号", examples=["0000000001"]
    )
    effective_from: dt.date = Field(..., description="同意を得た日", examples=["2026-04-01"])


class ConsentOut(BaseModel):
    id: int = Field(..., description="同意の番号")
    insurer_no: str = Field(..., description="保険者番号")
    insured_no: str = Field(..., description="被保険者番号")
    source: str = Field(..., description="取得経路 (代行登録は OFFICE_ON_BEHALF)")
    effective_from: dt.date = Field(..., description="同意の効力発生日")


class AssignmentEnded(BaseModel):
    id: int = Field(..., description="担当事業所登録のID")
    insurer_no: str
    insured_no: str
    ended_at: dt.datetime | None = Field(None, description="終了日時 (UTC)")
