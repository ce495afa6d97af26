"""住宅改修費 and 福祉用具購入費: usage against their allowances. Pure functions, no I/O.

Both allowances are amounts of **cost** (費用額, the 支給限度基準額), not of the insurance
payment: ``cost_yen`` is what counts; ``paid_yen`` (the insurance portion, 7–9割) is carried
for display only.

* 福祉用具購入: 100,000 円 per fiscal year (April–March); the fiscal year of a date is the
  calendar year in which its April fell.
* 住宅改修: 200,000 円 per person and residence. A new allowance opens
  - when the person moves to a residence with no modification yet (転居): every new
    ``residence_id`` has its own ledger; going back to an earlier residence resumes that
    residence's ledger (inferred: the allowance is per dwelling, so a return is no new trigger);
  - when the care level at a modification is three or more steps above the level at the first
    modification at that residence (3段階リセット). Steps (介護の必要の程度): 要支援1 = 1,
    要支援2 = 要介護1 = 2 (national rule 「要支援2と要介護1は同じ段階」; the old 経過的要介護 too),
    要介護2 = 3 … 要介護5 = 6. The reset can be used once per residence (1回限り); the base stays
    the level at the first modification, and the unused rest of the old allowance lapses.
* Going over an allowance never rejects a record: the municipality decides, so the excess is
  reported (``exceeds``, ``excess_yen``, a note) and the record still counts in ``used_yen``.

Records are replayed in date order (records of the same day in the order given); a status or
check "as of" a date uses the records up to and including that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from kaigo_kiban.core.errors import InvalidInput

HOME_MODIFICATION_ALLOWANCE_YEN = 200_000
EQUIPMENT_PURCHASE_ALLOWANCE_YEN = 100_000
RESET_RISE_STEPS = 3

# 要介護状態区分コード → 介護の必要の程度 (段階). 01 非該当 and 06 事業対象者 have no step.
CARE_STEPS = {"12": 1, "13": 2, "11": 2, "21": 2, "22": 3, "23": 4, "24": 5, "25": 6}
_NO_STEP = frozenset({"01", "06"})
_KNOWN_LEVELS = _NO_STEP | CARE_STEPS.keys()


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One paid (or applied-for) modification or purchase.

    ``care_level`` is the official 要介護状態区分コード at the time (a CareLevel works);
    ``residence_id`` identifies the dwelling and is required for home modifications.
    """

    used_on: dt.date
    cost_yen: int
    paid_yen: int | None = None
    residence_id: str | None = None
    care_level: str | None = None
    item_code: str | None = None  # 福祉用具購入: the 種目 (benefits.formats.EQUIPMENT_ITEMS)


@dataclass(frozen=True, slots=True)
class Note:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class AllowanceResult:
    """Usage of one allowance. ``used_yen`` / ``remaining_yen`` are before the new record;
    ``exceeds`` says whether the new record's cost goes past what remains."""

    allowance_yen: int
    used_yen: int
    remaining_yen: int
    period: str
    new_cost_yen: int = 0
    exceeds: bool = False
    excess_yen: int = 0
    notes: tuple[Note, ...] = ()

    @property
    def used_after_yen(self) -> int:
        return self.used_yen + self.new_cost_yen

    @property
    def remaining_after_yen(self) -> int:
        return max(0, self.allowance_yen - self.used_after_yen)


def fiscal_year(day: dt.date) -> int:
    """年度 of a date: 2026-03-31 is FY2025, 2026-04-01 is FY2026."""
    return day.year if day.month >= 4 else day.year - 1


def care_step(care_level: str | None) -> int | None:
    """The 段階 of a care level code for the 3段階リセット (None when it has none)."""
    if care_level is None or care_level in _NO_STEP:
        return None
    step = CARE_STEPS.get(str(care_level))
    if step is None:
        raise InvalidInput(
            f"care_level の値 {care_level!r} は要介護状態区分コードではありません",
            code="BN-INVALID-CARE-LEVEL",
            details={"field": "care_level", "value": care_level},
        )
    return step


def _check(record: UsageRecord, where: str, *, residence: bool) -> None:
    problems = []
    if not isinstance(record.used_on, dt.date) or isinstance(record.used_on, dt.datetime):
        problems.append(("used_on", record.used_on, "日付が必要です"))
    if not _is_yen(record.cost_yen):
        problems.append(("cost_yen", record.cost_yen, "0以上の整数（円）が必要です"))
    elif record.paid_yen is not None and not (
        _is_yen(record.paid_yen) and record.paid_yen <= record.cost_yen
    ):
        problems.append(("paid_yen", record.paid_yen, "0以上で費用額以下の整数（円）が必要です"))
    if residence and not (isinstance(record.residence_id, str) and record.residence_id):
        problems.append(("residence_id", record.residence_id, "住居の識別子が必要です"))
    if record.care_level is not None and str(record.care_level) not in _KNOWN_LEVELS:
        problems.append(("care_level", record.care_level, "要介護状態区分コードが必要です"))
    if problems:
        field, value, why = problems[0]
        raise InvalidInput(
            f"{where}.{field} の値 {value!r} は不正です: {why}",
            code="BN-INVALID-RECORD",
            details={"field": f"{where}.{field}", "value": value},
        )


def _is_yen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _yen(n: int) -> str:
    return f"{n:,}円"


def _result(
    allowance: int, used: int, period: str, new: UsageRecord | None, notes: list[Note]
) -> AllowanceResult:
    remaining = max(0, allowance - used)
    if used > allowance:
        notes.append(
            Note("BN-ALREADY-OVER", f"既に支給限度基準額を{_yen(used - allowance)}超えています")
        )
    cost = new.cost_yen if new else 0
    excess = max(0, cost - remaining)
    if excess:
        notes.append(
            Note(
                "BN-OVER-ALLOWANCE",
                f"今回の費用額 {_yen(cost)} は残り {_yen(remaining)} を{_yen(excess)}超えます"
                "（受け付けますが、支給額は市町村が判断します）",
            )
        )
    return AllowanceResult(
        allowance, used, remaining, period, cost, bool(excess), excess, tuple(notes)
    )


def _replay_order(history: Sequence[UsageRecord], on: dt.date) -> list[UsageRecord]:
    # sorted() is stable, so records of one day keep the order they were given in.
    return sorted((r for r in history if r.used_on <= on), key=lambda r: r.used_on)


# --- 福祉用具購入 ------------------------------------------------------------------------------


def equipment_purchase_status(
    history: Sequence[UsageRecord], year: int, *, on: dt.date | None = None
) -> AllowanceResult:
    """Usage of the fiscal year ``year`` (records up to ``on``, default: the whole year)."""
    return _equipment(history, year, on or dt.date(year + 1, 3, 31), None)


def check_equipment_purchase(history: Sequence[UsageRecord], new: UsageRecord) -> AllowanceResult:
    """Whether ``new`` fits in its fiscal year's remaining allowance (flagged, never refused)."""
    _check(new, "new", residence=False)
    return _equipment(history, fiscal_year(new.used_on), new.used_on, new)


def _equipment(
    history: Sequence[UsageRecord], year: int, on: dt.date, new: UsageRecord | None
) -> AllowanceResult:
    for i, record in enumerate(history):
        _check(record, f"history[{i}]", residence=False)
    this_year = [r for r in _replay_order(history, on) if fiscal_year(r.used_on) == year]
    used = sum(r.cost_yen for r in this_year)
    notes = []
    if new is not None and new.item_code and any(r.item_code == new.item_code for r in this_year):
        notes.append(
            Note(
                "BN-SAME-ITEM",
                "同じ年度に同じ種目の福祉用具を購入済みです（破損や心身の状況の変化による"
                "再購入でなければ支給の対象になりません。市町村が判断します）",
            )
        )
    return _result(EQUIPMENT_PURCHASE_ALLOWANCE_YEN, used, f"{year}年度", new, notes)


# --- 住宅改修 ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ledger:
    base_level: str | None  # care level at the first modification at this residence
    used: int = 0
    reset_used: bool = False

    def rose_enough(self, care_level: str | None) -> bool:
        """The level is at least RESET_RISE_STEPS steps above the base level."""
        base, now = care_step(self.base_level), care_step(care_level)
        return base is not None and now is not None and now - base >= RESET_RISE_STEPS

    def reset_due(self, care_level: str | None) -> bool:
        return not self.reset_used and self.rose_enough(care_level)


def home_modification_status(
    history: Sequence[UsageRecord], *, residence_id: str, care_level: str | None, on: dt.date
) -> AllowanceResult:
    """The allowance open to a person living at ``residence_id`` with ``care_level`` on ``on``."""
    probe = UsageRecord(on, 0, residence_id=residence_id, care_level=care_level)
    _check(probe, "query", residence=True)
    return _home_modification(history, probe, None)


def check_home_modification(history: Sequence[UsageRecord], new: UsageRecord) -> AllowanceResult:
    """Whether ``new`` fits in the allowance open on its date (flagged, never refused)."""
    _check(new, "new", residence=True)
    return _home_modification(history, new, new)


def _home_modification(
    history: Sequence[UsageRecord], probe: UsageRecord, new: UsageRecord | None
) -> AllowanceResult:
    for i, record in enumerate(history):
        _check(record, f"history[{i}]", residence=True)
    ledgers: dict[str | None, _Ledger] = {}
    last_residence = None
    for record in _replay_order(history, probe.used_on):
        ledger = ledgers.setdefault(record.residence_id, _Ledger(record.care_level))
        if ledger.reset_due(record.care_level):
            ledger.used, ledger.reset_used = 0, True
        ledger.used += record.cost_yen
        last_residence = record.residence_id

    notes: list[Note] = []
    residence, level = probe.residence_id, probe.care_level
    ledger = ledgers.get(residence) or _Ledger(level)
    if residence not in ledgers and ledgers:
        message = f"転居後の住居 {residence} は新たに支給限度基準額の対象です"
        notes.append(Note("BN-RESET-MOVE", message))
    elif residence in ledgers and residence != last_residence:
        message = f"以前の住居 {residence} に戻ったため、その住居の利用額を引き継ぎます"
        notes.append(Note("BN-RETURN", message))
    if ledger.reset_due(level):
        notes.append(
            Note(
                "BN-RESET-LEVEL",
                f"要介護状態区分が初回改修時の第{care_step(ledger.base_level)}段階から"
                f"第{care_step(level)}段階へ{RESET_RISE_STEPS}段階以上上がったため、"
                "支給限度基準額を再設定します（1回限り）",
            )
        )
        ledger = _Ledger(ledger.base_level, reset_used=True)
    elif ledger.reset_used and ledger.rose_enough(level):
        notes.append(Note("BN-RESET-USED", "3段階リセットはこの住居で既に使われています"))
    elif residence in ledgers and None in (care_step(ledger.base_level), care_step(level)):
        message = "段階のない、または不明な要介護状態区分のため、3段階リセットを判定できません"
        notes.append(Note("BN-LEVEL-UNKNOWN", message))
    period = f"住居 {residence}" + ("（3段階リセット後）" if ledger.reset_used else "")
    return _result(HOME_MODIFICATION_ALLOWANCE_YEN, ledger.used, period, new, notes)
