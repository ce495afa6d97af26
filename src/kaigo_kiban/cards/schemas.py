"""JSON shapes of cards."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class CardBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    insurer_no: str = Field(..., description="保険者番号")
    insured_no: str = Field(..., description="被保険者番号")
    history_no: int = Field(..., description="履歴番号 (大きいほど新しい)")
    valid_from: dt.date = Field(..., description="有効開始日")
    valid_to: dt.date | None = Field(None, description="有効終了日 (空欄は期限なし)")
    issued_on: dt.date | None = Field(None, description="交付日")
    deleted: bool = Field(False, description="保険者が削除 (取消) した履歴")


class InsuranceCardOut(CardBase):
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    sex: str = Field(..., description="1 男 / 2 女")
    address: str | None
    qualified_on: dt.date = Field(..., description="資格取得日")
    disqualified_on: dt.date | None = Field(None, description="資格喪失日")
    care_level: str | None = Field(
        None, description="要介護状態区分コード (12 要支援1 … 25 要介護5)"
    )
    cert_valid_from: dt.date | None = Field(None, description="認定有効期間 開始")
    cert_valid_to: dt.date | None = Field(None, description="認定有効期間 終了")
    benefit_limit_units: int | None = Field(None, description="区分支給限度基準額 (単位/月)")
    plan_kind: str | None = None
    plan_office_no: str | None = Field(None, description="居宅介護支援事業所番号")
    plan_notified_on: dt.date | None = Field(None, description="居宅サービス計画作成依頼届出日")
    reimbursement_from: dt.date | None = None
    reimbursement_to: dt.date | None = None
    benefit_cut_from: dt.date | None = None
    benefit_cut_to: dt.date | None = None


class CopayCardOut(CardBase):
    ratio: int = Field(..., description="利用者負担の割合 (1, 2, 3割)")


class CostCapCertOut(CardBase):
    stage: str = Field(..., description="1, 2, 31 (第3段階①), 32 (第3段階②)")
    food_cap_yen: int
    food_cap_short_stay_yen: int | None = None
    unit_private_yen: int | None = None
    unit_semi_private_yen: int | None = None
    conventional_private_special_yen: int | None = None
    conventional_private_other_yen: int | None = None
    multi_bed_yen: int | None = None


class ReductionCertOut(CardBase):
    reduction_kind: str
    benefit_rate_percent: int | None = None
    reduction_rate_permille: int | None = None


class Denied(BaseModel):
    code: str
    message: str


class CardSlot(BaseModel):
    current: dict | None = Field(None, description="as_of に有効な証 (なければ null)")
    history: list[dict] | None = Field(None, description="履歴 (新しい順)")
    denied: Denied | None = Field(
        None, description="この職種・サービス種別に閲覧権限がない場合の理由"
    )


class CardsResponse(BaseModel):
    insurer_no: str
    insured_no: str
    as_of: dt.date
    insurance_card: CardSlot
    copay_card: CardSlot
    cost_cap_cert: CardSlot
    reduction_cert: CardSlot


OUT_MODELS = {
    "insurance_card": InsuranceCardOut,
    "copay_card": CopayCardOut,
    "cost_cap_cert": CostCapCertOut,
    "reduction_cert": ReductionCertOut,
}


def to_response(insurer_no: str, insured_no: str, as_of: dt.date, cards: dict) -> CardsResponse:
    slots = {}
    for kind, entry in cards.items():
        if "denied" in entry:
            slots[kind] = CardSlot(denied=Denied(**entry["denied"]))
            continue
        model = OUT_MODELS[kind]
        current = entry["current"]
        slots[kind] = CardSlot(
            current=model.model_validate(current).model_dump(mode="json") if current else None,
            history=[model.model_validate(c).model_dump(mode="json") for c in entry["history"]]
            if "history" in entry
            else None,
        )
    return CardsResponse(insurer_no=insurer_no, insured_no=insured_no, as_of=as_of, **slots)
