"""The benefit limit of a 第6表 person-month, with the care level of the 被保険者証.

Choices (see docs/careplan-format.md, "Exchange"):

- The care level is that of the 被保険者証 valid on the first day of the month
  (``cards.service.cards_during``) and on every later day of the month on which another
  card version starts; with several levels in one month the highest limit applies. A card
  counts only when its 認定有効期間 overlaps the month. Levels without a 区分支給限度基準額
  (非該当, 事業対象者, 経過的要介護) give no check.
- The national limit of the level is used (``codes.limits.BENEFIT_LIMIT_UNITS``); a municipal
  上乗せ recorded on the card (区分支給限度基準額 column) is not applied yet.
- The excess is priced at the unit price of the provider's service type (the receiver of a
  予定, the sender of a 実績) in the 級地 of the provider's insurer when the organisation has one,
  else of the person's insurer (offices mostly serve their own municipality). The yen amount
  is an estimate: the real split of the excess over services is the care manager's choice.
- Reading the card is itself authorised and audited (data kind ``insurance_card``); when the
  gate denies it, the person-month is reported without a check.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards import service as cards
from kaigo_kiban.careplan.codec.rules import (
    AREA_GRADE_UPLIFT,
    FLAT_PRICE,
    FLAT_PRICE_TYPES,
    LABOUR_RATIO,
    PersonMonthTotal,
    check_limit,
    unit_price,
)
from kaigo_kiban.careplan.exchange import is_public_assistance
from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import Insurer, Organization


@dataclass(frozen=True)
class LimitResult:
    """The units of one person-month and, when a level was found, the limit check."""

    insurer_no: str
    insured_no: str
    month: str
    total_units: int
    subject_units: int
    outside_units: int
    first_line: int
    care_level: str | None = None
    benefit_limit_units: int | None = None
    excess_units: int | None = None
    excess_yen: int | None = None
    unit_price: Decimal | None = None
    area_grade: str | None = None
    note: str | None = None

    @property
    def over(self) -> bool:
        """Whether the limit is exceeded."""
        return bool(self.excess_units)


def grade_code(raw: str | None) -> str:
    """``Insurer.area_grade`` ("01"…"07", "99" = その他) as the rules' grade ("1"…"7", "other")."""
    value = (raw or "").lstrip("0")
    return value if value in AREA_GRADE_UPLIFT else "other"


def price_for(service_type: str, grade: str) -> Decimal:
    """Unit price of ``service_type`` in ``grade``; 10 円 for types without a 人件費割合."""
    if service_type in LABOUR_RATIO or service_type in FLAT_PRICE_TYPES:
        return unit_price(service_type, grade)
    return FLAT_PRICE


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYYMM``."""
    year, mon = int(month[:4]), int(month[4:])
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def care_levels_in_month(session: Session, grant: Grant, month: str) -> list[str]:
    """Levels with a limit on the cards valid during ``month`` (first day, then change days)."""
    first, last = month_bounds(month)
    levels: list[str] = []
    for card in cards.cards_during(session, grant, "insurance_card", first, last):
        if card.care_level not in BENEFIT_LIMIT_UNITS:
            continue
        if card.cert_valid_from is not None and card.cert_valid_from > last:
            continue
        if card.cert_valid_to is not None and card.cert_valid_to < first:
            continue
        if card.care_level not in levels:
            levels.append(card.care_level)
    return levels


def _area_grade(session: Session, provider: Organization | None, insurer_no: str) -> str:
    code = provider.insurer_no if provider is not None and provider.insurer_no else insurer_no
    insurer = session.get(Insurer, code)
    return grade_code(insurer.area_grade if insurer is not None else None)


def check_person_months(
    session: Session,
    settings: Settings,
    actor: Actor,
    totals: list[PersonMonthTotal],
    *,
    provider: Organization | None,
    provider_type: str,
) -> list[LimitResult]:
    """The limit check of every person-month of a 第6表 file (see the module docstring)."""
    out = []
    for total in totals:
        base = LimitResult(
            total.insurer_no,
            total.insured_no,
            total.month,
            total.total_units,
            total.limit_units,
            total.outside_units,
            total.first_line,
        )
        note = None
        levels: list[str] = []
        if is_public_assistance(total.insured_no):
            note = "生活保護単独のため被保険者証がなく、限度額を確認していません"
        else:
            grant = access.open_person(
                session, settings, actor, total.insurer_no, total.insured_no, ["insurance_card"]
            )
            if (refusal := grant.refused.get("insurance_card")) is not None:
                note = f"被保険者証を参照できないため限度額を確認していません（{refusal.message}）"
            else:
                levels = care_levels_in_month(session, grant, total.month)
                if not levels:
                    note = (
                        "対象年月に有効な要介護状態区分（限度額のある区分）が被保険者証にありません"
                    )
        if note is not None:
            out.append(replace(base, note=note))
            continue
        grade = _area_grade(session, provider, total.insurer_no)
        price = price_for(provider_type, grade)
        check = check_limit(total, levels, price)
        out.append(
            replace(
                base,
                care_level=check.care_level,
                benefit_limit_units=check.limit_units,
                excess_units=check.excess_units,
                excess_yen=check.excess_yen,
                unit_price=price,
                area_grade=grade,
            )
        )
    return out
