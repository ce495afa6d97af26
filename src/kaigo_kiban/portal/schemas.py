"""Pydantic models of the portal's requests and responses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kaigo_kiban.portal.rules import ItemKind, SubsidyItem, SubsidyResult


class _Strict(BaseModel):
    # Strict: "100" or 1.0 for an amount is a mistake in the file, not something to coerce.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SubsidyItemIn(_Strict):
    kind: Literal["card_reader", "connection_support", "careplan_setup_support", "opinion_sending"]
    quantity: int = Field(default=1, ge=1)
    amount_yen: int = Field(ge=0, description="line total in yen, consumption tax included")

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
