"""Service type (サービス種類) → 補助の区分 table of the care-office subsidy: pure data.

Beside ``rules.py``, which uses it, so the rules module stays small. docs/domain.md §8.1 names
the three categories but no per-type list; docs/subsidy-rules.md §5 explains each judgment
call and is checked against this table by tests/subsidies/test_subsidy_rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
SERVICE_TYPES_BY_CODE = {entry.code: entry for entry in SERVICE_TYPES}
