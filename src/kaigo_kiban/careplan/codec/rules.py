"""Pure care-plan rules: benefit limits, unit totals, unit prices, amounts, service types.

No I/O: the service-code master is passed in (see ``codec.master`` for the packaged one),
and the care level of a person-month is an input (the card valid that month is looked up
elsewhere). Money and prices are ``Decimal``; never float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.errors import FieldError, InvalidInput

#: Service types whose units do not count against the limit. The domain reference names
#: 居宅療養管理指導, 認知症対応型共同生活介護, 特定施設 and 地域密着型特養; their 予防 and
#: 地域密着 twins and care management (43/46, paid in full) are added by inference. The
#: short-stay forms (27, 28, 38) do count.
OUTSIDE_LIMIT_TYPES: Mapping[str, str] = {
    "31": "居宅療養管理指導",
    "34": "介護予防居宅療養管理指導",
    "32": "認知症対応型共同生活介護",
    "37": "介護予防認知症対応型共同生活介護",
    "33": "特定施設入居者生活介護",
    "35": "介護予防特定施設入居者生活介護",
    "36": "地域密着型特定施設入居者生活介護",
    "54": "地域密着型介護老人福祉施設入所者生活介護",
    "43": "居宅介護支援",
    "46": "介護予防支援",
}

#: Additions that do not count against the limit, recognised by a part of their name
#: (inferred from the national rules; the master has no flag for it).
OUTSIDE_LIMIT_ADDITIONS: tuple[str, ...] = (
    "処遇改善",
    "特別地域",
    "中山間地域等",
    "小規模事業所加算",
    "貸与小規模加算",
    "緊急時訪問看護",
    "特別管理加算",
    "ターミナルケア",
    "サービス提供体制",
    "総合マネジメント体制強化",
    "訪問体制強化",
)

#: 上乗せ割合 by 級地 (東京都特別区 = 1級地).
AREA_GRADE_UPLIFT: Mapping[str, Decimal] = {
    "1": Decimal("0.20"),
    "2": Decimal("0.16"),
    "3": Decimal("0.15"),
    "4": Decimal("0.12"),
    "5": Decimal("0.10"),
    "6": Decimal("0.06"),
    "7": Decimal("0.03"),
    "other": Decimal("0"),
}

_70, _55, _45 = Decimal("0.70"), Decimal("0.55"), Decimal("0.45")
#: 人件費割合 by service type. The three ratios are official; this mapping is INFERRED from the
#: national 告示 as remembered and must be checked against the official table before billing use.
LABOUR_RATIO: Mapping[str, Decimal] = {
    **dict.fromkeys(("11", "12", "13", "43", "46", "62", "63", "71", "76"), _70),
    **dict.fromkeys(("A1", "A2", "A3", "A4"), _70),
    **dict.fromkeys(("14", "16", "21", "24", "64", "66", "68", "69"), _55),
    **dict.fromkeys(("72", "73", "74", "75", "77", "79"), _55),
    **dict.fromkeys(("15", "22", "23", "25", "26", "27", "28", "2A", "2B", "78"), _45),
    **dict.fromkeys(("32", "33", "35", "36", "37", "38", "39", "51", "52", "53", "54", "55"), _45),
    **dict.fromkeys(("A5", "A6", "A7", "A8"), _45),
}

#: Types priced at a flat 10 円 per unit whatever the 級地 (予防 twins 34/67 inferred).
FLAT_PRICE_TYPES: Mapping[str, str] = {
    "31": "居宅療養管理指導",
    "34": "介護予防居宅療養管理指導",
    "17": "福祉用具貸与",
    "67": "介護予防福祉用具貸与",
}
FLAT_PRICE = Decimal("10.00")

#: Column of the service code in 第6表 (UPPLAN/UPJSK), for error positions.
USAGE_SERVICE_CODE_COLUMN = 15


@dataclass(frozen=True, slots=True)
class ServiceCode:
    """One entry of the service-code master (介護給付費単位数等サービスコード表)."""

    code: str
    name: str
    units: int
    unit_type: str = ""
    calculation_type: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    formula: str | None = None

    @property
    def service_type(self) -> str:
        """サービス種類コード: the first two characters (trusted over any category column)."""
        return self.code[:2]

    def valid_in(self, month: str) -> bool:
        """Whether the entry applies in service month ``YYYYMM``."""
        first = date(int(month[:4]), int(month[4:]), 1)
        if self.valid_until is not None and self.valid_until < first:
            return False
        return self.valid_from is None or self.valid_from.replace(day=1) <= first


class ServiceCodeMaster:
    """Service codes by code; a code may have several entries with different validity."""

    def __init__(self, entries: Iterable[ServiceCode]) -> None:
        self._by_code: dict[str, list[ServiceCode]] = {}
        for entry in entries:
            self._by_code.setdefault(entry.code, []).append(entry)
        self.service_types = frozenset(code[:2] for code in self._by_code)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str, month: str | None = None) -> ServiceCode | None:
        """The entry of ``code`` valid in ``month`` (any entry when ``month`` is None)."""
        for entry in reversed(self._by_code.get(code, ())):
            if month is None or entry.valid_in(month):
                return entry
        return None


def is_outside_limit(service_code: str, entry: ServiceCode | None = None) -> bool:
    """Whether the units of ``service_code`` are excluded from 区分支給限度基準額."""
    if service_code[:2] in OUTSIDE_LIMIT_TYPES:
        return True
    return entry is not None and any(word in entry.name for word in OUTSIDE_LIMIT_ADDITIONS)


@dataclass(frozen=True, slots=True)
class UsageLine:
    """What the limit rules need of one 第6表 row (予定 or 実績)."""

    line: int
    insurer_no: str
    insured_no: str
    month: str
    service_code: str
    units: int | None
    count: int | None

    @classmethod
    def from_fields(cls, line: int, fields: Mapping[str, str]) -> UsageLine:
        """From a row keyed by the layout's English identifiers (bad numbers become None)."""
        return cls(
            line=line,
            insurer_no=fields.get("insurer_no", ""),
            insured_no=fields.get("insured_no", ""),
            month=fields.get("target_month", ""),
            service_code=fields.get("service_code", ""),
            units=_int_or_none(fields.get("units", "")),
            count=_int_or_none(fields.get("service_count", "")),
        )


@dataclass
class PersonMonthTotal:
    """Units of one person in one service month."""

    insurer_no: str
    insured_no: str
    month: str
    total_units: int = 0  # every row
    limit_units: int = 0  # rows that count against the limit
    outside_units: int = 0  # rows excluded from the limit
    by_type: dict[str, int] = field(default_factory=dict)  # limit units per service type
    first_line: int = 0


def total_units(
    lines: Iterable[UsageLine], master: ServiceCodeMaster, *, file: str | None = None
) -> tuple[list[PersonMonthTotal], list[FieldError]]:
    """Total the units of each person-month of a 第6表 file.

    A row's units are its 単位数 (after discount) times its サービス回数; a row without 単位数
    takes the master's units. A code unknown to the master is an error when the master covers
    its service type (the row is then not counted) and a warning otherwise.
    """
    totals: dict[tuple[str, str, str], PersonMonthTotal] = {}
    problems: list[FieldError] = []
    for row in lines:
        entry = master.get(row.service_code, row.month or None)
        if entry is None:
            covered = row.service_code[:2] in master.service_types
            code = "CP-SERVICE-CODE-UNKNOWN" if covered else "CP-SERVICE-TYPE-NOT-IN-MASTER"
            msg = (
                f"サービスコード{row.service_code}はサービスコード表にありません"
                if covered
                else f"サービス種類{row.service_code[:2]}はサービスコード表の対象外のため確認できません"
            )
            problems.append(
                FieldError(
                    code,
                    msg,
                    line=row.line,
                    column=USAGE_SERVICE_CODE_COLUMN,
                    value=row.service_code,
                    field="service_code",
                    file=file,
                    extra={} if covered else {"severity": "warning"},
                )
            )
            if covered:
                continue
        each = row.units if row.units is not None else (entry.units if entry else 0)
        units = each * (row.count if row.count is not None else 1)
        key = (row.insurer_no, row.insured_no, row.month)
        total = totals.get(key)
        if total is None:
            total = totals[key] = PersonMonthTotal(*key, first_line=row.line)
        total.total_units += units
        if is_outside_limit(row.service_code, entry):
            total.outside_units += units
        else:
            total.limit_units += units
            kind = row.service_code[:2]
            total.by_type[kind] = total.by_type.get(kind, 0) + units
    return list(totals.values()), problems


@dataclass(frozen=True, slots=True)
class LimitCheck:
    """The comparison of a person-month's units with the limit of the care level."""

    insured_no: str
    month: str
    care_level: str
    limit_units: int
    subject_units: int
    excess_units: int
    excess_yen: int
    first_line: int = 0

    @property
    def over(self) -> bool:
        """Whether the limit is exceeded."""
        return self.excess_units > 0

    def error(self, file: str | None = None) -> FieldError | None:
        """``CP-OVER-LIMIT`` with the excess units and yen, or None within the limit."""
        if not self.over:
            return None
        msg = (
            f"被保険者{self.insured_no}の{self.month}の単位数{self.subject_units}が"
            f"区分支給限度基準額{self.limit_units}単位を{self.excess_units}単位"
            f"（{self.excess_yen}円）超えています"
        )
        return FieldError(
            "CP-OVER-LIMIT",
            msg,
            line=self.first_line,
            value=str(self.subject_units),
            field="units",
            file=file,
            extra={"excess_units": self.excess_units, "excess_yen": self.excess_yen},
        )


def benefit_limit(care_level: str | Iterable[str]) -> int:
    """The monthly limit in units; with several levels in one month, the highest applies."""
    levels = [care_level] if isinstance(care_level, str) else list(care_level)
    unknown = [lv for lv in levels if lv not in BENEFIT_LIMIT_UNITS]
    if unknown or not levels:
        raise InvalidInput(
            f"区分支給限度基準額のない要介護状態区分です: {', '.join(unknown) or '（なし）'}",
            code="CP-CARE-LEVEL",
        )
    return max(BENEFIT_LIMIT_UNITS[lv] for lv in levels)


def check_limit(
    total: PersonMonthTotal,
    care_level: str | Iterable[str],
    unit_price: Decimal = FLAT_PRICE,
) -> LimitCheck:
    """Compare a person-month with the limit of ``care_level``.

    The excess is priced at ``unit_price`` (yen per unit, e.g. from ``unit_price()``), floored
    to whole yen: it is what the person pays in full.
    """
    levels = [care_level] if isinstance(care_level, str) else list(care_level)
    limit = benefit_limit(levels)
    excess = max(0, total.limit_units - limit)
    return LimitCheck(
        insured_no=total.insured_no,
        month=total.month,
        care_level=max(levels, key=lambda lv: BENEFIT_LIMIT_UNITS[lv]),
        limit_units=limit,
        subject_units=total.limit_units,
        excess_units=excess,
        excess_yen=_floor(Decimal(excess) * unit_price),
        first_line=total.first_line,
    )


def unit_price(service_type: str, area_grade: str) -> Decimal:
    """単価 (yen per unit) = 10 × (1 + 上乗せ割合 × 人件費割合), rounded half up to 0.01.

    ``area_grade`` is ``"1"``…``"7"`` or ``"other"``. 居宅療養管理指導 and 福祉用具貸与 are 10 円.
    """
    if area_grade not in AREA_GRADE_UPLIFT:
        raise InvalidInput(f"未知の級地です: {area_grade}", code="CP-AREA-GRADE")
    if service_type in FLAT_PRICE_TYPES:
        return FLAT_PRICE
    ratio = LABOUR_RATIO.get(service_type)
    if ratio is None:
        raise InvalidInput(
            f"人件費割合の分からないサービス種類です: {service_type}", code="CP-SERVICE-TYPE"
        )
    price = Decimal(10) * (1 + AREA_GRADE_UPLIFT[area_grade] * ratio)
    return price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Amounts:
    """費用総額, 保険請求額 and 利用者負担 in whole yen."""

    total_cost: int
    claim: int
    copay: int


def amounts(units: int, price: Decimal, benefit_rate: int) -> Amounts:
    """費用総額 = ⌊units × price⌋; 請求額 = ⌊費用総額 × 給付率 / 100⌋; 負担 = 総額 − 請求額."""
    if not 0 <= benefit_rate <= 100:
        raise InvalidInput(f"給付率は0〜100です: {benefit_rate}", code="CP-BENEFIT-RATE")
    total = _floor(Decimal(units) * price)
    claim = _floor(Decimal(total) * benefit_rate / 100)
    return Amounts(total, claim, total - claim)


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None
