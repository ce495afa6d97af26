"""Subsidy (助成金) rules of the 介護情報基盤ポータル: pure functions, no I/O.

Two schemes (docs/domain.md §8; choices and the service-type table, ``categories.py``, are
explained in docs/subsidy-rules.md):

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

from kaigo_kiban.core.errors import Conflict, InvalidInput, PermissionDenied
from kaigo_kiban.core.ids import is_service_type
from kaigo_kiban.subsidies.categories import (
    CATEGORY_LIMITS,
    SERVICE_TYPES_BY_CODE,
    ServiceCategory,
    ServiceTypeEntry,
)


class ApplicantKind(StrEnum):
    OFFICE = "office"
    MEDICAL = "medical"


class ItemKind(StrEnum):
    CARD_READER = "card_reader"  # ①
    CONNECTION_SUPPORT = "connection_support"  # ②
    CAREPLAN_SETUP_SUPPORT = "careplan_setup_support"  # counts only beside ②
    OPINION_SENDING = "opinion_sending"  # medical institutions


ITEM_LABELS = {
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
    entry = SERVICE_TYPES_BY_CODE.get(service_type)
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
        Reason("PT-ITEM-NOT-ELIGIBLE", f"{ITEM_LABELS[kind]}は{applicant}の補助対象外です")
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


class RoundClosed(Conflict):
    code = "PTL-ROUND-CLOSED"


def require_open_round(
    day: dt.date, rounds: Iterable[SubsidyRound] = DEFAULT_ROUNDS
) -> SubsidyRound:
    """The round open on ``day``; RoundClosed (naming the next round, if any) otherwise."""
    found = open_round(day, rounds)
    if found is not None:
        return found
    following = next_round(day, rounds)
    when = (
        f"次の受付は {following.name}（{following.opens_on.isoformat()}〜"
        f"{following.closes_on.isoformat()}）です"
        if following
        else "現在、予定されている受付期間はありません"
    )
    raise RoundClosed(
        f"{day.isoformat()} は補助金の申請受付期間外のため申請できません。{when}",
        details={"day": day.isoformat(), "next_round": following.name if following else None},
    )


# --- application workflow (statuses and allowed transitions) -----------------------------


class TransitionRefused(Conflict):
    """The action does not apply to the application's current status."""

    code = "PTL-TRANSITION-NOT-ALLOWED"


class ActionForbidden(PermissionDenied):
    """The action exists for this status but belongs to the other party."""

    code = "PTL-ACTION-FORBIDDEN"


class ApplicationStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_REVIEW = "IN_REVIEW"
    RETURNED = "RETURNED"
    DECIDED = "DECIDED"
    PAID = "PAID"


STATUS_LABELS = {
    ApplicationStatus.DRAFT: "下書き",
    ApplicationStatus.SUBMITTED: "申請済",
    ApplicationStatus.IN_REVIEW: "審査中",
    ApplicationStatus.RETURNED: "差戻し",
    ApplicationStatus.DECIDED: "決定",
    ApplicationStatus.PAID: "支払済",
}
# The applicant may change items and receipts only before submission or after a return.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})


class Party(StrEnum):
    APPLICANT = "applicant"  # the office or medical institution that owns the application
    OPERATOR = "operator"  # 国保中央会 (the portal's operator) reviews and pays


class ApplicationAction(StrEnum):
    SUBMIT = "submit"
    START_REVIEW = "start_review"
    RETURN = "return"
    DECIDE = "decide"
    PAY = "pay"


@dataclass(frozen=True, slots=True)
class Transition:
    action: ApplicationAction
    party: Party
    sources: frozenset[ApplicationStatus]
    target: ApplicationStatus
    label: str


_S, _A, _P = ApplicationStatus, ApplicationAction, Party
# (action, who, from, to, button label): the whole state machine.
TRANSITIONS: tuple[Transition, ...] = tuple(
    Transition(action, party, frozenset(sources), target, label)
    for action, party, sources, target, label in (
        (_A.SUBMIT, _P.APPLICANT, {_S.DRAFT, _S.RETURNED}, _S.SUBMITTED, "申請する"),
        (_A.START_REVIEW, _P.OPERATOR, {_S.SUBMITTED}, _S.IN_REVIEW, "審査を開始する"),
        (_A.RETURN, _P.OPERATOR, {_S.IN_REVIEW}, _S.RETURNED, "差し戻す"),
        (_A.DECIDE, _P.OPERATOR, {_S.IN_REVIEW}, _S.DECIDED, "交付を決定する"),
        (_A.PAY, _P.OPERATOR, {_S.DECIDED}, _S.PAID, "支払済にする"),
    )
)
_BY_ACTION = {t.action: t for t in TRANSITIONS}


def next_status(
    status: ApplicationStatus | str, action: ApplicationAction | str, party: Party | str
) -> ApplicationStatus:
    """The status after ``party`` takes ``action``; TransitionRefused or ActionForbidden."""
    current = ApplicationStatus(status)
    try:
        rule = _BY_ACTION[ApplicationAction(action)]
    except ValueError:
        raise TransitionRefused(
            f"不明な操作です: {action!r}", details={"status": current.value, "action": action}
        ) from None
    details = {"status": current.value, "action": rule.action.value, "party": str(party)}
    if current not in rule.sources:
        raise TransitionRefused(
            f"「{STATUS_LABELS[current]}」の申請は「{rule.label}」ことができません",
            details=details,
        )
    if Party(party) is not rule.party:
        who = "申請者" if rule.party is Party.APPLICANT else "運用担当者"
        raise ActionForbidden(f"「{rule.label}」操作は{who}だけが行えます", details=details)
    return rule.target


def available_actions(
    status: ApplicationStatus | str, party: Party | str
) -> tuple[Transition, ...]:
    """Transitions ``party`` may take from ``status`` (what the page offers as buttons)."""
    current, who = ApplicationStatus(status), Party(party)
    return tuple(t for t in TRANSITIONS if current in t.sources and t.party is who)
