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


class PlatformFact(BaseModel):
    """What the platform derived and shows over the municipal card until the municipality's
    next file resolves it."""

    model_config = ConfigDict(from_attributes=True)
    source_label: str = Field(..., description="由来: 認定結果 / 居宅サービス計画作成依頼届出")
    valid_from: dt.date = Field(..., description="反映開始日")
    valid_to: dt.date | None = Field(None, description="反映終了日")


class InsuranceCardOut(CardBase):
    name_kanji: str = Field(..., description="氏名 (漢字)", examples=["試験 花子"])
    name_kana: str = Field(..., description="氏名 (カナ)", examples=["シケン ハナコ"])
    birth_date: dt.date = Field(..., description="生年月日")
    sex: str = Field(..., description="1 男 / 2 女")
    address: str | None = Field(..., description="住所")
    qualified_on: dt.date = Field(..., description="資格取得日")
    disqualified_on: dt.date | None = Field(None, description="資格喪失日")
    care_level: str | None = Field(
        None, description="要介護状態区分コード (12 要支援1 … 25 要介護5)"
    )
    cert_valid_from: dt.date | None = Field(None, description="認定有効期間 開始")
    cert_valid_to: dt.date | None = Field(None, description="認定有効期間 終了")
    benefit_limit_units: int | None = Field(None, description="区分支給限度基準額 (単位/月)")
    plan_kind: str | None = Field(
        None,
        description="計画作成区分 (1 居宅介護支援事業所作成 / 2 自己作成 / 3 介護予防支援事業所作成)",
    )
    plan_office_no: str | None = Field(None, description="居宅介護支援事業所番号")
    plan_notified_on: dt.date | None = Field(None, description="居宅サービス計画作成依頼届出日")
    reimbursement_from: dt.date | None = Field(None, description="償還払い化 開始日")
    reimbursement_to: dt.date | None = Field(None, description="償還払い化 終了日")
    benefit_cut_from: dt.date | None = Field(None, description="給付率引下げ 開始日")
    benefit_cut_to: dt.date | None = Field(None, description="給付率引下げ 終了日")
    application_kind: str | None = Field(
        None, description="申請種別: 1 新規, 2 更新, 3 変更 (区分変更), 4 職権"
    )
    application_status: str | None = Field(
        None,
        description="変更申請中区分: 1 申請なし, 2 申請中 (暫定で利用中のことがある), 3 決定済み",
    )
    applied_on: dt.date | None = Field(None, description="申請年月日")
    address_exception: str | None = Field(None, description="住所地特例対象者: 1 非該当, 2 該当")
    facility_insurer_no: str | None = Field(
        None, description="住所地特例: 施設所在保険者番号 (施設のある市町村の保険者番号)"
    )
    platform_facts: list[PlatformFact] = Field(
        default_factory=list,
        description="市町村の次のファイルで確認されるまで、介護情報基盤が反映した内容 (認定結果・届出)",
    )


class CopayCardOut(CardBase):
    ratio: int = Field(..., description="利用者負担の割合 (1, 2, 3割)")


class CostCapCertOut(CardBase):
    stage: str = Field(..., description="利用者負担段階: 1, 2, 31 (第3段階①), 32 (第3段階②)")
    food_cap_yen: int = Field(..., description="食費の負担限度額 (円/日)")
    food_cap_short_stay_yen: int | None = Field(
        None, description="食費の負担限度額 (短期入所、円/日)"
    )
    unit_private_yen: int | None = Field(None, description="居住費: ユニット型個室 (円/日)")
    unit_semi_private_yen: int | None = Field(
        None, description="居住費: ユニット型個室的多床室 (円/日)"
    )
    conventional_private_special_yen: int | None = Field(
        None, description="居住費: 従来型個室 (特養等、円/日)"
    )
    conventional_private_other_yen: int | None = Field(
        None, description="居住費: 従来型個室 (老健・医療院等、円/日)"
    )
    multi_bed_yen: int | None = Field(None, description="居住費: 多床室 (円/日)")


class ReductionCertOut(CardBase):
    reduction_kind: str = Field(
        ...,
        description="減免の種類 (1 利用者負担額減額・免除 / 2 社会福祉法人等軽減 / 3 旧措置入所者 / 9 その他)",
    )
    benefit_rate_percent: int | None = Field(None, description="給付率 (%)")
    reduction_rate_permille: int | None = Field(None, description="軽減率 (‰)")


class Denied(BaseModel):
    code: str = Field(..., description="拒否の理由コード (POLICY など)", examples=["POLICY"])
    message: str = Field(..., description="日本語の説明")


class CardSlot(BaseModel):
    current: dict | None = Field(None, description="as_of に有効な証 (なければ null)")
    history: list[dict] | None = Field(None, description="履歴 (新しい順)")
    denied: Denied | None = Field(
        None, description="この職種・サービス種別に閲覧権限がない場合の理由"
    )


class CardsResponse(BaseModel):
    insurer_no: str = Field(..., description="保険者番号", examples=["131016"])
    insured_no: str = Field(..., description="被保険者番号", examples=["0000000001"])
    as_of: dt.date = Field(..., description="基準日")
    insurance_card: CardSlot = Field(..., description="被保険者証")
    copay_card: CardSlot = Field(..., description="負担割合証")
    cost_cap_cert: CardSlot = Field(..., description="負担限度額認定証")
    reduction_cert: CardSlot = Field(..., description="減免減額認定証")


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
