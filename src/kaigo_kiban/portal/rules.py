"""Subsidy (助成金) rules of the 介護情報基盤ポータル: pure functions, no I/O.

Two schemes (DOMAIN.md §8; choices and the service-type table are explained in
docs/subsidy-rules.md):

* Care offices: ① card readers + ② connection support, rate 10/10, capped per service
  category (訪問・通所・短期滞在系 3 readers / 64,000 円, 居住・入所系 2 / 55,000 円,
  その他 1 / 42,000 円). An office with several categories sums caps and reader allowances of
  its distinct categories. ケアプランデータ連携 initial setup support counts only beside ②.
* Opinion-writing medical institutions: hospitals with 200 beds or more 1/2, cap 550,000 円;
  hospitals with 199 beds or fewer and clinics (0–19 beds) 3/4, cap 398,000 円.

All amounts are integer yen including consumption tax; caps include tax. Whenever a fraction
of a yen appears (rate, pro-rata readers) it is truncated (floor), once, at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.ids import is_service_type


class ServiceCategory(StrEnum):
    """補助の区分 of a care office's service type (the value is the official wording)."""

    VISIT_DAY_SHORT_STAY = "訪問・通所・短期滞在系"
    RESIDENTIAL = "居住・入所系"
    OTHER = "その他"


@dataclass(frozen=True, slots=True)
class CategoryLimit:
    """How many card readers count, and the cap for ① + ② (tax included)."""

    readers: int
    cap_yen: int


CATEGORY_LIMITS: dict[ServiceCategory, CategoryLimit] = {
    ServiceCategory.VISIT_DAY_SHORT_STAY: CategoryLimit(readers=3, cap_yen=64_000),
    ServiceCategory.RESIDENTIAL: CategoryLimit(readers=2, cap_yen=55_000),
    ServiceCategory.OTHER: CategoryLimit(readers=1, cap_yen=42_000),
}


@dataclass(frozen=True, slots=True)
class ServiceTypeEntry:
    """One row of the service-type → category table.

    ``category`` is None for types that are not services of a designated office (they add
    no cap). ``basis`` is ``"name"`` when the category's own words decide it (訪問…, 通所…,
    短期入所…, 施設…) and ``"inferred"`` for a judgment call documented in
    docs/subsidy-rules.md.
    """

    code: str
    name: str
    category: ServiceCategory | None
    basis: str


_V = ServiceCategory.VISIT_DAY_SHORT_STAY
_R = ServiceCategory.RESIDENTIAL
_O = ServiceCategory.OTHER
_N = "name"
_I = "inferred"

# The one table. Keep docs/subsidy-rules.md in step (a test compares them).
SERVICE_TYPES: tuple[ServiceTypeEntry, ...] = tuple(
    ServiceTypeEntry(code, name, category, basis)
    for code, name, category, basis in (
        ("11", "訪問介護", _V, _N),
        ("12", "訪問入浴介護", _V, _N),
        ("13", "訪問看護", _V, _N),
        ("14", "訪問リハビリテーション", _V, _N),
        ("15", "通所介護", _V, _N),
        ("16", "通所リハビリテーション", _V, _N),
        ("17", "福祉用具貸与", _O, _I),
        ("21", "短期入所生活介護", _V, _N),
        ("22", "短期入所療養介護（介護老人保健施設）", _V, _N),
        ("23", "短期入所療養介護（病院等）", _V, _N),
        ("2A", "短期入所療養介護（介護医療院）", _V, _N),
        ("24", "介護予防短期入所生活介護", _V, _N),
        ("25", "介護予防短期入所療養介護（介護老人保健施設）", _V, _N),
        ("26", "介護予防短期入所療養介護（病院等）", _V, _N),
        ("2B", "介護予防短期入所療養介護（介護医療院）", _V, _N),
        ("27", "特定施設入居者生活介護（短期利用）", _V, _I),
        ("28", "地域密着型特定施設入居者生活介護（短期利用）", _V, _I),
        ("31", "居宅療養管理指導", _V, _I),
        ("32", "認知症対応型共同生活介護", _R, _N),
        ("33", "特定施設入居者生活介護", _R, _N),
        ("34", "介護予防居宅療養管理指導", _V, _I),
        ("35", "介護予防特定施設入居者生活介護", _R, _N),
        ("36", "地域密着型特定施設入居者生活介護", _R, _N),
        ("37", "介護予防認知症対応型共同生活介護", _R, _N),
        ("38", "認知症対応型共同生活介護（短期利用）", _V, _I),
        ("39", "介護予防認知症対応型共同生活介護（短期利用）", _V, _I),
        ("41", "特定福祉用具販売", _O, _I),
        ("42", "居宅介護住宅改修", None, _I),
        ("43", "居宅介護支援", _O, _I),
        ("44", "特定介護予防福祉用具販売", _O, _I),
        ("45", "介護予防住宅改修", None, _I),
        ("46", "介護予防支援", _O, _I),
        ("51", "介護福祉施設サービス（介護老人福祉施設）", _R, _N),
        ("52", "介護保健施設サービス（介護老人保健施設）", _R, _N),
        ("53", "介護療養施設サービス（介護療養型医療施設）", _R, _N),
        ("54", "地域密着型介護老人福祉施設入所者生活介護", _R, _N),
        ("55", "介護医療院サービス", _R, _N),
        ("59", "特定入所者介護サービス費", None, _I),
        ("61", "介護予防訪問介護", _V, _N),
        ("62", "介護予防訪問入浴介護", _V, _N),
        ("63", "介護予防訪問看護", _V, _N),
        ("64", "介護予防訪問リハビリテーション", _V, _N),
        ("65", "介護予防通所介護", _V, _N),
        ("66", "介護予防通所リハビリテーション", _V, _N),
        ("67", "介護予防福祉用具貸与", _O, _I),
        ("68", "小規模多機能型居宅介護（短期利用）", _V, _I),
        ("69", "介護予防小規模多機能型居宅介護（短期利用）", _V, _I),
        ("71", "夜間対応型訪問介護", _V, _N),
        ("72", "認知症対応型通所介護", _V, _N),
        ("73", "小規模多機能型居宅介護", _V, _I),
        ("74", "介護予防認知症対応型通所介護", _V, _N),
        ("75", "介護予防小規模多機能型居宅介護", _V, _I),
        ("76", "定期巡回・随時対応型訪問介護看護", _V, _N),
        ("77", "看護小規模多機能型居宅介護", _V, _I),
        ("78", "地域密着型通所介護", _V, _N),
        ("79", "看護小規模多機能型居宅介護（短期利用）", _V, _I),
        ("81", "市町村特別給付", _O, _I),
        ("A1", "訪問型サービス（みなし）", _V, _N),
        ("A2", "訪問型サービス（独自）", _V, _N),
        ("A3", "訪問型サービス（独自／定率）", _V, _N),
        ("A4", "訪問型サービス（独自／定額）", _V, _N),
        ("A5", "通所型サービス（みなし）", _V, _N),
        ("A6", "通所型サービス（独自）", _V, _N),
        ("A7", "通所型サービス（独自／定率）", _V, _N),
        ("A8", "通所型サービス（独自／定額）", _V, _N),
        ("A9", "その他の生活支援サービス（配食／定率）", _O, _I),
        ("AA", "その他の生活支援サービス（見守り／定率）", _O, _I),
        ("AB", "その他の生活支援サービス（その他／定率）", _O, _I),
        ("AC", "その他の生活支援サービス（配食／定額）", _O, _I),
        ("AD", "その他の生活支援サービス（見守り／定額）", _O, _I),
        ("AE", "その他の生活支援サービス（その他／定額）", _O, _I),
        ("AF", "介護予防ケアマネジメント", _O, _I),
    )
)
_BY_CODE = {entry.code: entry for entry in SERVICE_TYPES}


class ApplicantKind(StrEnum):
    OFFICE = "office"
    MEDICAL = "medical"


class ItemKind(StrEnum):
    CARD_READER = "card_reader"  # ①
    CONNECTION_SUPPORT = "connection_support"  # ②
    CAREPLAN_SETUP_SUPPORT = "careplan_setup_support"  # counts only beside ②
    OPINION_SENDING = "opinion_sending"  # medical institutions


_ITEM_LABELS = {
    ItemKind.CARD_READER: "カードリーダー",
    ItemKind.CONNECTION_SUPPORT: "接続サポート",
    ItemKind.CAREPLAN_SETUP_SUPPORT: "ケアプランデータ連携システムの初期設定支援",
    ItemKind.OPINION_SENDING: "主治医意見書の電子送信に係る改修",
}
_OFFICE_ITEMS = frozenset(
    {ItemKind.CARD_READER, ItemKind.CONNECTION_SUPPORT, ItemKind.CAREPLAN_SETUP_SUPPORT}
)


@dataclass(frozen=True, slots=True)
class SubsidyItem:
    """One purchase line: ``amount_yen`` is the line total, tax included."""

    kind: ItemKind
    amount_yen: int
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an amount was limited or excluded; ``code`` is stable, ``message`` Japanese."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class SubsidyResult:
    eligible_cost_yen: int
    cap_yen: int
    grant_yen: int
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible_cost_yen": self.eligible_cost_yen,
            "cap_yen": self.cap_yen,
            "grant_yen": self.grant_yen,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class MedicalTerms:
    label: str
    rate: Fraction
    cap_yen: int


HOSPITAL_LARGE_BEDS = 200  # 200 beds or more: 1/2
CLINIC_MAX_BEDS = 19  # 医療法: up to 19 beds is a 診療所
_LARGE_HOSPITAL = MedicalTerms("200床以上の病院", Fraction(1, 2), 550_000)
_SMALL_HOSPITAL = MedicalTerms("199床以下の病院", Fraction(3, 4), 398_000)
_CLINIC = MedicalTerms("診療所", Fraction(3, 4), 398_000)


def _yen(n: int) -> str:
    return f"{n:,}円"


def _invalid(code: str, field: str, value: object, why: str) -> InvalidInput:
    return InvalidInput(
        f"{field} の値 {value!r} は不正です: {why}",
        code=code,
        details={"field": field, "value": value},
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def service_type_entry(service_type: str, *, field: str = "service_type") -> ServiceTypeEntry:
    """The table row of a サービス種類コード; InvalidInput if the code is malformed or unknown."""
    if not isinstance(service_type, str) or not is_service_type(service_type):
        raise _invalid("PT-INVALID-SERVICE-TYPE", field, service_type, "2桁の英数字が必要です")
    entry = _BY_CODE.get(service_type)
    if entry is None:
        raise _invalid("PT-UNKNOWN-SERVICE-TYPE", field, service_type, "未知のサービス種類です")
    return entry


def office_categories(
    service_types: Sequence[str],
) -> tuple[tuple[ServiceCategory, ...], tuple[Reason, ...]]:
    """Distinct categories of an office's service types (table order) and notes on types
    that belong to none."""
    if not service_types:
        raise _invalid(
            "PT-NO-SERVICE-TYPES",
            "service_types",
            [],
            "事業所のサービス種類を1つ以上指定してください",
        )
    found: set[ServiceCategory] = set()
    reasons: list[Reason] = []
    for i, code in enumerate(service_types):
        entry = service_type_entry(code, field=f"service_types[{i}]")
        if entry.category is None:
            reasons.append(
                Reason(
                    "PT-TYPE-NO-CATEGORY",
                    f"サービス種類 {entry.code}（{entry.name}）は補助の区分に該当しないため、"
                    "上限額に加算しません",
                )
            )
        else:
            found.add(entry.category)
    return tuple(c for c in ServiceCategory if c in found), tuple(reasons)


def medical_terms(beds: int) -> MedicalTerms:
    """Rate and cap of an opinion-writing medical institution by its number of beds."""
    if not _is_int(beds) or beds < 0:
        raise _invalid("PT-INVALID-BEDS", "beds", beds, "0以上の整数（病床数）を指定してください")
    if beds >= HOSPITAL_LARGE_BEDS:
        return _LARGE_HOSPITAL
    return _SMALL_HOSPITAL if beds > CLINIC_MAX_BEDS else _CLINIC


def _eligible_items(
    items: Sequence[SubsidyItem], allowed: frozenset[ItemKind], applicant: str
) -> tuple[list[SubsidyItem], list[Reason]]:
    """Validate every line, then set aside the kinds this applicant cannot claim."""
    checked = []
    for i, item in enumerate(items):
        try:
            kind = ItemKind(item.kind)
        except ValueError:
            kinds = ", ".join(ItemKind)
            raise _invalid(
                "PT-INVALID-ITEM-KIND", f"items[{i}].kind", item.kind, f"{kinds} のいずれかです"
            ) from None
        for name, low, code in (
            ("quantity", 1, "PT-INVALID-QUANTITY"),
            ("amount_yen", 0, "PT-INVALID-AMOUNT"),
        ):
            value = getattr(item, name)
            if not _is_int(value) or value < low:
                raise _invalid(code, f"items[{i}].{name}", value, f"{low}以上の整数が必要です")
        checked.append(SubsidyItem(kind, item.amount_yen, item.quantity))
    reasons = [] if checked else [Reason("PT-NO-ITEMS", "補助対象の経費がありません")]
    reasons += [
        Reason("PT-ITEM-NOT-ELIGIBLE", f"{_ITEM_LABELS[kind]}は{applicant}の補助対象外です")
        for kind in ItemKind
        if kind not in allowed and any(it.kind == kind for it in checked)
    ]
    return [it for it in checked if it.kind in allowed], reasons


def _reader_cost(readers: list[SubsidyItem], allowed: int) -> tuple[int, Reason | None]:
    """Cost of the readers that count. Beyond ``allowed`` units, the dearest units count
    (each unit = its line amount / quantity), so the result does not depend on line order."""
    total_units = sum(it.quantity for it in readers)
    full = sum(it.amount_yen for it in readers)
    if total_units <= allowed:
        return full, None
    left = allowed
    counted = Fraction(0)
    for it in sorted(readers, key=lambda it: Fraction(it.amount_yen, it.quantity), reverse=True):
        take = min(left, it.quantity)
        counted += Fraction(it.amount_yen * take, it.quantity)
        left -= take
        if left == 0:
            break
    cost = math.floor(counted)
    return cost, Reason(
        "PT-READER-LIMIT",
        f"カードリーダーは{allowed}台までが補助対象です（申請 {total_units}台）。"
        f"対象は単価の高い順に{allowed}台分 {_yen(cost)}（1円未満切り捨て）、"
        f"対象外 {_yen(full - cost)}",
    )


def estimate_office_subsidy(
    service_types: Sequence[str], items: Sequence[SubsidyItem]
) -> SubsidyResult:
    """Grant for a care office: min(eligible cost, Σ cap of its distinct categories)."""
    categories, reasons_t = office_categories(service_types)
    kept, item_reasons = _eligible_items(items, _OFFICE_ITEMS, "介護事業所")
    reasons = [*reasons_t, *item_reasons]

    limits = [CATEGORY_LIMITS[c] for c in categories]
    cap = sum(limit.cap_yen for limit in limits)
    allowed_readers = sum(limit.readers for limit in limits)

    reader_cost, reader_reason = _reader_cost(
        [it for it in kept if it.kind is ItemKind.CARD_READER], allowed_readers
    )
    if reader_reason:
        reasons.append(reader_reason)
    connection = [it for it in kept if it.kind is ItemKind.CONNECTION_SUPPORT]
    setup = [it for it in kept if it.kind is ItemKind.CAREPLAN_SETUP_SUPPORT]
    setup_cost = sum(it.amount_yen for it in setup)
    if setup and not connection:
        reasons.append(
            Reason(
                "PT-SETUP-WITHOUT-CONNECTION",
                "ケアプランデータ連携システムの初期設定支援は接続サポートと併せて購入した場合"
                f"のみ補助対象です（対象外 {_yen(setup_cost)}）",
            )
        )
        setup_cost = 0
    eligible = reader_cost + sum(it.amount_yen for it in connection) + setup_cost

    grant = min(eligible, cap)
    if eligible > cap:
        breakdown = " + ".join(f"{c.value} {_yen(CATEGORY_LIMITS[c].cap_yen)}" for c in categories)
        reasons.append(
            Reason(
                "PT-CAP-APPLIED",
                f"補助上限額 {_yen(cap)}（{breakdown or '該当区分なし'}、税込）を適用しました。"
                f"対象経費 {_yen(eligible)} のうち {_yen(eligible - cap)} は補助されません",
            )
        )
    return SubsidyResult(eligible, cap, grant, tuple(reasons))


def estimate_medical_subsidy(beds: int, items: Sequence[SubsidyItem]) -> SubsidyResult:
    """Grant for an opinion-writing medical institution: min(floor(cost × rate), cap)."""
    terms = medical_terms(beds)
    kept, reasons = _eligible_items(items, frozenset({ItemKind.OPINION_SENDING}), "医療機関")
    eligible = sum(it.amount_yen for it in kept)
    rated = math.floor(eligible * terms.rate)
    if eligible:
        reasons.append(
            Reason(
                "PT-RATE-APPLIED",
                f"補助率 {terms.rate.numerator}/{terms.rate.denominator}（{terms.label}）を適用"
                f"しました: {_yen(eligible)} → {_yen(rated)}（1円未満切り捨て）",
            )
        )
    if rated > terms.cap_yen:
        reasons.append(
            Reason(
                "PT-CAP-APPLIED",
                f"補助上限額 {_yen(terms.cap_yen)}（{terms.label}、税込）を適用しました",
            )
        )
    return SubsidyResult(eligible, terms.cap_yen, min(rated, terms.cap_yen), tuple(reasons))


def estimate_subsidy(
    applicant: ApplicantKind | str,
    items: Sequence[SubsidyItem],
    *,
    service_types: Sequence[str] = (),
    beds: int | None = None,
) -> SubsidyResult:
    """Dispatch on the applicant kind; ``beds`` is used for medical institutions only."""
    try:
        kind = ApplicantKind(applicant)
    except ValueError:
        raise _invalid(
            "PT-INVALID-APPLICANT", "applicant", applicant, "office または medical"
        ) from None
    if kind is ApplicantKind.OFFICE:
        return estimate_office_subsidy(service_types, items)
    if beds is None:
        raise _invalid("PT-INVALID-BEDS", "beds", None, "医療機関は病床数（診療所は0）が必須です")
    return estimate_medical_subsidy(beds, items)


# --- application rounds -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubsidyRound:
    """An application period, both ends inclusive."""

    name: str
    opens_on: dt.date
    closes_on: dt.date

    def __post_init__(self) -> None:
        if self.closes_on < self.opens_on:
            raise _invalid(
                "PT-INVALID-ROUND",
                "closes_on",
                self.closes_on.isoformat(),
                f"受付開始日 {self.opens_on.isoformat()} より前です",
            )

    def contains(self, day: dt.date) -> bool:
        return self.opens_on <= day <= self.closes_on


DEFAULT_ROUNDS: tuple[SubsidyRound, ...] = (
    SubsidyRound("令和7年度", dt.date(2025, 10, 1), dt.date(2026, 3, 13)),
    SubsidyRound("令和8年度", dt.date(2026, 5, 7), dt.date(2027, 3, 12)),
)


def check_rounds(rounds: Iterable[SubsidyRound]) -> tuple[SubsidyRound, ...]:
    """Rounds sorted by opening date; InvalidInput if two overlap (a day would be ambiguous)."""
    ordered = tuple(sorted(rounds, key=lambda r: r.opens_on))
    for before, after in itertools.pairwise(ordered):
        if after.opens_on <= before.closes_on:
            raise _invalid(
                "PT-OVERLAPPING-ROUNDS",
                "rounds",
                after.name,
                f"{before.name} と期間が重なっています",
            )
    return ordered


def open_round(
    day: dt.date, rounds: Iterable[SubsidyRound] = DEFAULT_ROUNDS
) -> SubsidyRound | None:
    """The round accepting applications on ``day``, or None between rounds."""
    return next((r for r in check_rounds(rounds) if r.contains(day)), None)


def is_application_open(day: dt.date, rounds: Iterable[SubsidyRound] = DEFAULT_ROUNDS) -> bool:
    """Whether ``day`` falls within any round."""
    return open_round(day, rounds) is not None


def next_round(
    day: dt.date, rounds: Iterable[SubsidyRound] = DEFAULT_ROUNDS
) -> SubsidyRound | None:
    """The first round opening after ``day`` (None when no later round is configured)."""
    return next((r for r in check_rounds(rounds) if r.opens_on > day), None)
