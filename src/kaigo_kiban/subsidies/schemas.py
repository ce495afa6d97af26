"""Pydantic models of the subsidy requests and responses (JSON API and the estimate command)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kaigo_kiban.subsidies.rules import ItemKind, SubsidyItem, SubsidyResult
from kaigo_kiban.subsidies.service import ItemInput


class _Strict(BaseModel):
    # Strict: "100" or 1.0 for an amount is a mistake in the file, not something to coerce.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


ItemKindLiteral = Literal[
    "card_reader", "connection_support", "careplan_setup_support", "opinion_sending"
]


class SubsidyItemIn(_Strict):
    kind: ItemKindLiteral = Field(
        description="経費の種類: card_reader（カードリーダー）, connection_support（接続サポート）, "
        "careplan_setup_support（ケアプランデータ連携システムの初期設定支援）, "
        "opinion_sending（主治医意見書の電子送信に係る改修・医療機関のみ）"
    )
    quantity: int = Field(default=1, ge=1, description="数量（台数など）")
    amount_yen: int = Field(ge=0, description="この行の金額（円・消費税込み）")

    def to_rule(self) -> SubsidyItem:
        return SubsidyItem(ItemKind(self.kind), self.amount_yen, self.quantity)


class SubsidyEstimateIn(_Strict):
    applicant: Literal["office", "medical"]
    service_types: list[str] = Field(default_factory=list)
    beds: int | None = Field(default=None, ge=0)
    items: list[SubsidyItemIn] = Field(default_factory=list)


class ReasonOut(_Strict):
    code: str
    message: str


class SubsidyEstimateOut(_Strict):
    eligible_cost_yen: int
    cap_yen: int
    grant_yen: int
    reasons: list[ReasonOut]

    @classmethod
    def from_result(cls, result: SubsidyResult) -> SubsidyEstimateOut:
        return cls.model_validate(result.to_dict())


_MESSAGES = {
    "missing": "必須項目がありません",
    "extra_forbidden": "未知の項目です",
    "int_type": "整数を指定してください",
    "string_type": "文字列を指定してください",
    "list_type": "配列を指定してください",
    "model_type": "オブジェクトを指定してください",
    "greater_than_equal": "{ge}以上の値を指定してください",
    "literal_error": "次のいずれかを指定してください: {expected}",
    "json_invalid": "JSONとして読めません",
}


def describe_validation_error(error: ValidationError) -> str:
    """Japanese one-line-per-problem text naming each field path and the value given."""
    lines = []
    for item in error.errors():
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"]).lstrip(".")
        template = _MESSAGES.get(item["type"], "値が不正です")
        why = template.format(**(item.get("ctx") or {})).replace("' or '", "', '")
        where = path or "(入力全体)"
        value = "" if item["type"] == "missing" else f" の値 {item['input']!r}"
        lines.append(f"{where}{value}: {why}")
    return "\n".join(lines)


# --- applications (JSON API) -------------------------------------------------------------


class ApplicationItemIn(SubsidyItemIn):
    description: str = Field(default="", max_length=200, description="品名・型番・内容など")

    def to_input(self) -> ItemInput:
        return ItemInput(self.kind, self.quantity, self.amount_yen, self.description)


class ApplicationCreateIn(_Strict):
    """補助金の交付申請（下書き）の作成。申請者の区分・サービス種類・病床数は組織の登録内容から決まります。"""

    items: list[ApplicationItemIn] = Field(
        default_factory=list, max_length=30, description="明細（30行まで）"
    )
    contact_name: str = Field(default="", max_length=100, description="担当者名")
    contact_phone: str = Field(default="", max_length=20, description="担当者の電話番号")
    note: str = Field(default="", max_length=2000, description="備考")

    def inputs(self) -> list[ItemInput]:
        return [i.to_input() for i in self.items]

    def details(self) -> dict[str, str]:
        """Contact and note, as the service's keyword arguments."""
        return {
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "note": self.note,
        }


class ApplicationItemOut(BaseModel):
    kind: str = Field(description="経費の種類")
    kind_label: str = Field(description="経費の種類（日本語）")
    description: str = Field(description="品名・内容")
    quantity: int = Field(description="数量")
    amount_yen: int = Field(description="金額（円・税込）")


class ReceiptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    file_name: str = Field(description="ファイル名")
    media_type: str = Field(
        description="形式（内容から判定: application/pdf, image/png, image/jpeg）"
    )
    size_bytes: int = Field(description="大きさ（バイト）")
    sha256: str = Field(description="SHA-256 ハッシュ値")
    uploaded_at: dt.datetime = Field(description="添付日時（UTC）")


class EventOut(BaseModel):
    occurred_at: dt.datetime = Field(description="日時（UTC）")
    action: str = Field(description="操作（created, edited, submit, start_review, return, ...）")
    action_label: str = Field(description="操作（日本語）")
    from_status: str | None = Field(description="変更前の状態")
    to_status: str = Field(description="変更後の状態")
    actor_name: str = Field(description="操作した人")
    organization_code: str | None = Field(description="操作した人の組織コード")
    comment: str = Field(description="コメント")


class ApplicationSummaryOut(BaseModel):
    id: int = Field(description="申請番号")
    status: str = Field(description="状態: DRAFT, SUBMITTED, IN_REVIEW, RETURNED, DECIDED, PAID")
    status_label: str = Field(
        description="状態（日本語: 下書き, 申請済, 審査中, 差戻し, 決定, 支払済）"
    )
    organization_code: str = Field(description="申請者の事業所番号・医療機関コード")
    organization_name: str = Field(description="申請者の名称")
    grant_yen: int = Field(description="算定した補助金額（円）")
    round_name: str | None = Field(description="申請した受付期間")
    submitted_at: dt.datetime | None = Field(description="申請日時（UTC）")
    updated_at: dt.datetime = Field(description="最終更新日時（UTC）")


class ApplicationOut(ApplicationSummaryOut):
    applicant_kind: str = Field(
        description="申請者の区分: office（介護事業所）, medical（医療機関）"
    )
    service_types: list[str] = Field(description="計算に使ったサービス種類コード")
    beds: int | None = Field(description="計算に使った病床数（医療機関）")
    contact_name: str = Field(description="担当者名")
    contact_phone: str = Field(description="担当者の電話番号")
    note: str = Field(description="備考")
    items: list[ApplicationItemOut] = Field(description="明細")
    eligible_cost_yen: int = Field(description="補助対象経費（円）")
    cap_yen: int = Field(description="補助上限額（円・税込）")
    reasons: list[ReasonOut] = Field(description="上限・対象外などで金額が変わった理由")
    receipts: list[ReceiptOut] = Field(description="添付された領収書")
    decided_grant_yen: int | None = Field(description="交付決定額（円）")
    decided_at: dt.datetime | None = Field(description="交付決定日時（UTC）")
    decision_no: str | None = Field(description="交付決定通知書の文書番号")
    paid_on: dt.date | None = Field(description="支払日")
    history: list[EventOut] = Field(description="変更の履歴（古い順）")
