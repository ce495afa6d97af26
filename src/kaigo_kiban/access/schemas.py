"""JSON shapes of assignments and consent."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class AssignedPerson(BaseModel):
    insurer_no: str = Field(..., description="保険者番号")
    insured_no: str = Field(..., description="被保険者番号")
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    service_type: str = Field(..., description="登録したサービス種類コード")
    verified_by: str = Field(..., description="MYNUMBER_CARD | FOUR_ATTRIBUTES")
    verified_at: dt.datetime
    state: str = Field(..., description="active | lapsed | ended")


class AssignedPersons(BaseModel):
    items: list[AssignedPerson]


class ConsentIn(BaseModel):
    insurer_no: str = Field(..., pattern=r"^[0-9]{6}$", description="保険者番号")
    insured_no: str = Field(..., pattern=r"^[0-9]{10}$", description="被保険者番号")
    effective_from: dt.date = Field(..., description="同意を得た日")


class ConsentOut(BaseModel):
    id: int
    insurer_no: str
    insured_no: str
    source: str
    effective_from: dt.date
