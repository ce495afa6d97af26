"""JSON shapes of 住宅改修費 / 福祉用具購入費 usage."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from kaigo_kiban.benefits.service import AllowanceView, UsageSummary


class UsageRecordOut(BaseModel):
    record_no: str = Field(..., description="整理番号")
    history_no: int = Field(..., description="履歴番号 (現在の版)")
    used_on: dt.date = Field(..., description="改修完了日 / 購入日")
    cost_yen: int = Field(..., description="費用額 (支給限度基準額に数える額)")
    paid_yen: int | None = Field(None, description="保険給付額")
    label: str = Field(..., description="改修の内容 / 種目と品名")
    residence_id: str | None = Field(None, description="住居識別番号 (住宅改修)")
    exceeds: bool = Field(..., description="この記録で支給限度基準額を超えた (受付済み・要確認)")
    excess_yen: int = Field(0, description="超えた額")
    note: str | None = None


class AllowanceOut(BaseModel):
    allowed: bool = Field(..., description="閲覧できたか (false のときは denied に理由)")
    denied: dict[str, str] | None = None
    allowance_yen: int = Field(0, description="支給限度基準額 (費用額)")
    used_yen: int = Field(0, description="利用済みの費用額")
    remaining_yen: int = Field(0, description="残りの額 (0 未満にはならない)")
    over_yen: int = Field(0, description="支給限度基準額を超えている額")
    period: str = Field("", description="対象 (年度 / 住居)")
    notes: list[str] = []
    records: list[UsageRecordOut] = []

    @classmethod
    def of(cls, view: AllowanceView) -> AllowanceOut:
        if not view.allowed:
            return cls(
                allowed=False,
                denied={"code": view.denied_code or "", "message": view.denied_message or ""},
            )
        return cls(
            allowed=True,
            allowance_yen=view.allowance_yen,
            used_yen=view.used_yen,
            remaining_yen=view.remaining_yen,
            over_yen=view.over_yen,
            period=view.period,
            notes=view.notes,
            records=[UsageRecordOut(**vars(r)) for r in view.records],
        )


class UsageResponse(BaseModel):
    insurer_no: str
    insured_no: str
    as_of: dt.date = Field(..., description="基準日")
    home_modification: AllowanceOut | None = Field(None, description="住宅改修費 (20万円/住居)")
    equipment_purchase: AllowanceOut | None = Field(
        None, description="福祉用具購入費 (10万円/年度)"
    )

    @classmethod
    def of(cls, summary: UsageSummary) -> UsageResponse:
        return cls(
            insurer_no=summary.insurer_no,
            insured_no=summary.insured_no,
            as_of=summary.as_of,
            **{kind: AllowanceOut.of(view) for kind, view in summary.kinds.items()},
        )
