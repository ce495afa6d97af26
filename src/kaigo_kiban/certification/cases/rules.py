"""要介護認定 rules: care levels, progress derived from milestone dates, validity periods and
the published 一次判定 thresholds. Pure functions, no I/O.

Progress is never stored: it is recomputed from the milestone dates every time, so corrected
dates and late-arriving milestones need no migration of state. docs/certification-progress.md
explains the states, the two tracks, the elapsed-days rule and every inferred choice.
"""

from __future__ import annotations

import calendar
import datetime as dt
import ipaddress
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from enum import StrEnum

from kaigo_kiban.core.errors import InvalidInput


def _invalid(code: str, field: str, value: object, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field, "value": value})


# --- codes ------------------------------------------------------------------------------------


class CareLevel(StrEnum):
    """要介護状態区分 with its official code as the value (care-plan CSV, LIFE, 異動連絡票)."""

    NOT_ELIGIBLE = "01"
    PROGRAM_ELIGIBLE = "06"
    SUPPORT_TRANSITIONAL = "11"  # 要支援（経過的要介護）, 平成18–21 only; kept to read old data
    SUPPORT_1 = "12"
    SUPPORT_2 = "13"
    CARE_1 = "21"
    CARE_2 = "22"
    CARE_3 = "23"
    CARE_4 = "24"
    CARE_5 = "25"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def is_certified(self) -> bool:
        """True for 要支援/要介護 (a certification result that grants benefits)."""
        return self not in (CareLevel.NOT_ELIGIBLE, CareLevel.PROGRAM_ELIGIBLE)

    @classmethod
    def from_code(cls, code: str, *, field: str = "care_level") -> CareLevel:
        """The level of an official code; InvalidInput naming ``field`` otherwise."""
        try:
            return cls(code)
        except ValueError:
            message = f"{field} の値 {code!r} は要介護状態区分コードではありません"
            raise _invalid("CT-INVALID-CARE-LEVEL", field, code, message) from None


_LEVEL_LABELS = {
    CareLevel.NOT_ELIGIBLE: "非該当",
    CareLevel.PROGRAM_ELIGIBLE: "事業対象者",
    CareLevel.SUPPORT_TRANSITIONAL: "要支援（経過的要介護）",
    CareLevel.SUPPORT_1: "要支援1",
    CareLevel.SUPPORT_2: "要支援2",
    **{getattr(CareLevel, f"CARE_{n}"): f"要介護{n}" for n in range(1, 6)},
}


class ApplicationKind(StrEnum):
    NEW = "NEW"  # 新規
    RENEWAL = "RENEWAL"  # 更新
    LEVEL_CHANGE = "LEVEL_CHANGE"  # 区分変更
    TRANSFER_IN = "TRANSFER_IN"  # 転入


# --- progress ---------------------------------------------------------------------------------

DECISION_NORM_DAYS = 30  # 介護保険法27条11項: decide within 30 days of the application


class ProgressState(StrEnum):
    APPLIED = "APPLIED"
    SURVEY_REQUESTED = "SURVEY_REQUESTED"
    SURVEY_DONE = "SURVEY_DONE"
    OPINION_REQUESTED = "OPINION_REQUESTED"
    OPINION_RECEIVED = "OPINION_RECEIVED"
    PRIMARY_DONE = "PRIMARY_DONE"
    PANEL_SCHEDULED = "PANEL_SCHEDULED"
    PANEL_DONE = "PANEL_DONE"
    CERTIFIED = "CERTIFIED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"
    TERMINATED = "TERMINATED"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self][0]

    @property
    def rank(self) -> int | None:
        """Position on the happy path (0 = applied … 6 = decided); None for the exits."""
        return _STATE_LABELS[self][1]


_STATE_LABELS: dict[ProgressState, tuple[str, int | None]] = {
    ProgressState.APPLIED: ("申請受付", 0),
    ProgressState.SURVEY_REQUESTED: ("認定調査依頼済", 1),
    ProgressState.OPINION_REQUESTED: ("主治医意見書依頼済", 1),
    ProgressState.SURVEY_DONE: ("認定調査実施済", 2),
    ProgressState.OPINION_RECEIVED: ("主治医意見書入手済", 2),
    ProgressState.PRIMARY_DONE: ("一次判定済", 3),
    ProgressState.PANEL_SCHEDULED: ("審査会予定", 4),
    ProgressState.PANEL_DONE: ("審査会済（二次判定済）", 5),
    ProgressState.CERTIFIED: ("認定済", 6),
    ProgressState.NOT_ELIGIBLE: ("非該当", 6),
    ProgressState.REJECTED: ("却下", None),
    ProgressState.WITHDRAWN: ("取下げ", None),
    ProgressState.TERMINATED: ("終了（死亡等）", None),
}


class TrackState(StrEnum):
    NOT_REQUESTED = "NOT_REQUESTED"
    REQUESTED = "REQUESTED"
    DONE = "DONE"


@dataclass(frozen=True, slots=True)
class Milestones:
    """Dates known for one application. ``panel_scheduled_on`` is the planned panel date
    (二次審査予定日) and may lie in the future; every other date records something done."""

    applied_on: dt.date | None = None
    survey_requested_on: dt.date | None = None
    survey_done_on: dt.date | None = None
    opinion_requested_on: dt.date | None = None
    opinion_received_on: dt.date | None = None
    primary_done_on: dt.date | None = None
    panel_assigned_on: dt.date | None = None
    panel_scheduled_on: dt.date | None = None
    panel_done_on: dt.date | None = None
    decided_on: dt.date | None = None
    result: CareLevel | None = None
    withdrawn_on: dt.date | None = None
    rejected_on: dt.date | None = None
    terminated_on: dt.date | None = None


MILESTONE_FIELDS = tuple(f.name for f in fields(Milestones) if f.name != "result")


def record_milestone(milestones: Milestones, name: str, day: dt.date | None) -> Milestones:
    """A copy with one date set (or corrected, or cleared with None)."""
    if name not in MILESTONE_FIELDS:
        message = f"{name!r} は進捗のマイルストーンではありません"
        raise _invalid("CT-UNKNOWN-MILESTONE", name, str(day), message)
    return replace(milestones, **{name: day})


@dataclass(frozen=True, slots=True)
class ProgressWarning:
    """An inconsistency in the dates; reported, never raised."""

    code: str
    message: str
    field: str


@dataclass(frozen=True, slots=True)
class Progress:
    state: ProgressState
    label: str
    survey_track: TrackState
    opinion_track: TrackState
    elapsed_days: int | None
    overdue: bool
    is_open: bool
    next_step: str | None
    warnings: tuple[ProgressWarning, ...]


_FIELD_LABELS = {
    "applied_on": "申請日",
    "survey_requested_on": "認定調査依頼日",
    "survey_done_on": "訪問調査日",
    "opinion_requested_on": "主治医意見書依頼日",
    "opinion_received_on": "主治医意見書入手日",
    "primary_done_on": "一次判定日",
    "panel_assigned_on": "審査会割当日",
    "panel_scheduled_on": "二次審査予定日",
    "panel_done_on": "二次判定日",
    "decided_on": "認定日",
    "withdrawn_on": "取下げ日",
    "rejected_on": "却下日",
    "terminated_on": "終了日",
}
# Happy-path steps in order: date fields (alternatives) and the steps that must come first.
_STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "applied": (("applied_on",), ()),
    "survey_requested": (("survey_requested_on",), ("applied",)),
    "survey_done": (("survey_done_on",), ("survey_requested",)),
    "opinion_requested": (("opinion_requested_on",), ("applied",)),
    "opinion_received": (("opinion_received_on",), ("opinion_requested",)),
    "primary_done": (("primary_done_on",), ("survey_done", "opinion_received")),
    "panel_scheduled": (("panel_assigned_on", "panel_scheduled_on"), ("primary_done",)),
    "panel_done": (("panel_done_on",), ("panel_scheduled",)),
    "decided": (("decided_on",), ("panel_done",)),
}
_EXITS = (  # on the same day the first listed wins
    ("terminated_on", ProgressState.TERMINATED),
    ("withdrawn_on", ProgressState.WITHDRAWN),
    ("rejected_on", ProgressState.REJECTED),
)
# track: (requested step, done step, next step when not requested, when requested)
_TRACKS = {
    "survey": ("survey_requested", "survey_done", "認定調査の依頼", "認定調査の実施"),
    "opinion": (
        "opinion_requested",
        "opinion_received",
        "主治医意見書の依頼",
        "主治医意見書の入手",
    ),
}


# Steps after both tracks, latest first, with the state each one proves.
_AFTER_TRACKS = {
    "decided": ProgressState.CERTIFIED,  # or NOT_ELIGIBLE, by the result
    "panel_done": ProgressState.PANEL_DONE,
    "panel_scheduled": ProgressState.PANEL_SCHEDULED,
    "primary_done": ProgressState.PRIMARY_DONE,
}


def _step_label(step: str) -> str:
    return "・".join(_FIELD_LABELS[f] for f in _STEPS[step][0])


def _step_date(m: Milestones, step: str) -> dt.date | None:
    present = [d for f in _STEPS[step][0] if (d := getattr(m, f)) is not None]
    return min(present) if present else None


def _ancestors(step: str) -> dict[str, None]:
    """All steps before ``step`` (ordered, without duplicates)."""
    found: dict[str, None] = {}
    for pred in _STEPS[step][1]:
        found |= {pred: None, **_ancestors(pred)}
    return found


def _nearest_dated(m: Milestones, step: str) -> dict[str, None]:
    """The closest earlier steps that carry a date (skipping undated ones)."""
    found: dict[str, None] = {}
    for pred in _STEPS[step][1]:
        found |= {pred: None} if _step_date(m, pred) else _nearest_dated(m, pred)
    return found


def _date_warnings(m: Milestones, today: dt.date, reached: set[str]) -> list[ProgressWarning]:
    out: list[ProgressWarning] = []
    for step, (date_fields, _preds) in _STEPS.items():
        if (day := _step_date(m, step)) is None:
            continue
        for pred in _nearest_dated(m, step):
            if day < (pred_day := _step_date(m, pred)):  # type: ignore[operator]
                message = (
                    f"{_step_label(step)}（{day}）が{_step_label(pred)}（{pred_day}）より前です"
                )
                out.append(ProgressWarning("CT-DATE-ORDER", message, date_fields[0]))
    for f, _state in _EXITS:
        if (day := getattr(m, f)) and m.applied_on and day < m.applied_on:
            message = f"{_FIELD_LABELS[f]}（{day}）が申請日（{m.applied_on}）より前です"
            out.append(ProgressWarning("CT-DATE-ORDER", message, f))
    for f in MILESTONE_FIELDS:
        if f != "panel_scheduled_on" and (day := getattr(m, f)) and day > today:
            message = f"{_FIELD_LABELS[f]}（{day}）が本日（{today}）より後です"
            out.append(ProgressWarning("CT-FUTURE-DATE", message, f))
    implied = {a: None for step in _STEPS if step in reached for a in _ancestors(step)}
    for step in _STEPS:
        if step in implied and step not in reached:
            message = f"{_step_label(step)}がありませんが、後の段階が記録されています"
            out.append(ProgressWarning("CT-MISSING-EARLIER", message, _STEPS[step][0][0]))
    return out


def _track(reached: set[str], track: str) -> TrackState:
    requested, done = _TRACKS[track][:2]
    if done in reached or reached & _AFTER_TRACKS.keys():
        return TrackState.DONE
    return TrackState.REQUESTED if requested in reached else TrackState.NOT_REQUESTED


def _next_step(state: ProgressState, m: Milestones, tracks: dict[str, TrackState]) -> str:
    if state is ProgressState.PANEL_DONE:
        return "認定結果の通知" if m.decided_on is None else "認定結果（要介護状態区分）の登録"
    if state is ProgressState.PANEL_SCHEDULED:
        planned = f"（予定日 {m.panel_scheduled_on}）" if m.panel_scheduled_on else ""
        return f"介護認定審査会（二次判定）の開催{planned}"
    if state is ProgressState.PRIMARY_DONE:
        return "介護認定審査会への割当"
    todo = [
        _TRACKS[t][2] if s is TrackState.NOT_REQUESTED else _TRACKS[t][3]
        for t, s in tracks.items()
        if s is not TrackState.DONE
    ]
    return "・".join(todo) or "一次判定"


def derive_progress(m: Milestones, today: dt.date) -> Progress:
    """The state of an application as a function of its dates (never of their arrival order).

    The latest evidence decides the state: a later milestone implies the earlier ones
    happened, and a missing earlier date only adds a warning. Exits dominate. Elapsed days run
    from the application to the decision (or the exit), or to ``today`` while open; more than
    ``DECISION_NORM_DAYS`` is overdue.
    """
    reached = {step for step in _STEPS if _step_date(m, step)}
    if m.result is not None:
        reached.add("decided")
    warnings = _date_warnings(m, today, reached)
    tracks = {t: _track(reached, t) for t in _TRACKS}

    exits = sorted(
        ((d, i, state, f) for i, (f, state) in enumerate(_EXITS) if (d := getattr(m, f))),
        key=lambda e: (e[0], e[1]),
    )
    if len(exits) > 1:
        warnings.append(
            ProgressWarning("CT-MULTIPLE-EXITS", "終了事由が複数記録されています", exits[1][3])
        )
    for day, _i, exit_state, f in exits:
        if exit_state is not ProgressState.TERMINATED and m.decided_on and day > m.decided_on:
            message = f"認定日（{m.decided_on}）より後に{_FIELD_LABELS[f]}（{day}）があります"
            warnings.append(ProgressWarning("CT-EXIT-AFTER-DECISION", message, f))
    if m.applied_on is None:
        warnings.append(ProgressWarning("CT-NO-APPLICATION", "申請日がありません", "applied_on"))
    if m.result is not None and m.decided_on is None:
        message = "認定結果はありますが認定日がありません"
        warnings.append(ProgressWarning("CT-NO-DECISION-DATE", message, "decided_on"))

    state = exits[0][2] if exits else _happy_state(m, reached, tracks, warnings)
    end: dt.date | None = m.decided_on or (exits[0][0] if exits else None)
    if end is None and "decided" not in reached:
        end = today
    is_open = not exits and "decided" not in reached
    elapsed = (end - m.applied_on).days if end and m.applied_on else None
    label = state.label
    if state is ProgressState.CERTIFIED and m.result is not None:
        label = f"{label}（{m.result.label}）"
    return Progress(
        state=state,
        label=label,
        survey_track=tracks["survey"],
        opinion_track=tracks["opinion"],
        elapsed_days=elapsed,
        overdue=not exits and elapsed is not None and elapsed > DECISION_NORM_DAYS,
        is_open=is_open,
        next_step=_next_step(state, m, tracks) if is_open or state.rank == 5 else None,
        warnings=tuple(warnings),
    )


def _happy_state(
    m: Milestones,
    reached: set[str],
    tracks: dict[str, TrackState],
    warnings: list[ProgressWarning],
) -> ProgressState:
    if "decided" in reached:
        if m.result is None:
            warnings.append(ProgressWarning("CT-NO-RESULT", "認定結果がありません", "result"))
            return ProgressState.PANEL_DONE
        if m.result is CareLevel.PROGRAM_ELIGIBLE:
            warnings.append(
                ProgressWarning("CT-RESULT-PROGRAM", "事業対象者は認定結果ではありません", "result")
            )
        return ProgressState.CERTIFIED if m.result.is_certified else ProgressState.NOT_ELIGIBLE
    for step, state in _AFTER_TRACKS.items():
        if step in reached:
            return state
    order = [TrackState.NOT_REQUESTED, TrackState.REQUESTED, TrackState.DONE]
    survey, opinion = (order.index(tracks[t]) for t in ("survey", "opinion"))
    if max(survey, opinion) == 0:
        return ProgressState.APPLIED
    # The more advanced track names the state; on a tie the survey track does.
    if survey >= opinion:
        return (ProgressState.SURVEY_REQUESTED, ProgressState.SURVEY_DONE)[survey - 1]
    return (ProgressState.OPINION_REQUESTED, ProgressState.OPINION_RECEIVED)[opinion - 1]


# --- validity ---------------------------------------------------------------------------------

# kind: (default months, minimum, maximum) — inferred from docs/domain.md §3.1, to be verified.
VALIDITY_MONTHS = {
    ApplicationKind.NEW: (6, 3, 12),
    ApplicationKind.LEVEL_CHANGE: (6, 3, 12),
    ApplicationKind.RENEWAL: (12, 3, 36),
}
RENEWAL_UNCHANGED_MAX_MONTHS = 48


def _validity_rule(kind: ApplicationKind) -> tuple[int, int, int]:
    rule = VALIDITY_MONTHS.get(ApplicationKind(kind))
    if rule is None:
        message = "転入の有効期間は前住所地の認定の残りの期間を引き継ぐため、月数では決まりません"
        raise _invalid("CT-VALIDITY-TRANSFER", "application_kind", str(kind), message)
    return rule


def default_validity_months(kind: ApplicationKind) -> int:
    """標準の有効月数: 新規・区分変更 6, 更新 12."""
    return _validity_rule(kind)[0]


def check_validity_months(
    kind: ApplicationKind, months: int, *, level_unchanged: bool = False
) -> None:
    """InvalidInput unless ``months`` is allowed for the kind (更新 up to 48 if the level is
    unchanged)."""
    _default, low, high = _validity_rule(kind)
    if kind == ApplicationKind.RENEWAL and level_unchanged:
        high = RENEWAL_UNCHANGED_MAX_MONTHS
    if isinstance(months, bool) or not isinstance(months, int) or not low <= months <= high:
        message = f"有効月数 {months!r} は範囲外です（{low}〜{high}か月）"
        raise _invalid("CT-VALIDITY-MONTHS", "months", months, message)


def compute_valid_to(valid_from: dt.date, months: int) -> dt.date:
    """End of a validity period (inferred reading of the 施行規則 rule): it always ends on the last
    day of a month; when it starts on the 1st it lasts ``months`` whole months, otherwise the
    partial first month is added on top (15 April + 6 months → 31 October)."""
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        message = f"有効月数 {months!r} は1以上の整数が必要です"
        raise _invalid("CT-VALIDITY-MONTHS", "months", months, message)
    span = months - 1 if valid_from.day == 1 else months
    year, month0 = divmod(valid_from.month - 1 + span, 12)
    year += valid_from.year
    return dt.date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def validity_period(
    kind: ApplicationKind,
    valid_from: dt.date,
    months: int | None = None,
    *,
    level_unchanged: bool = False,
) -> tuple[dt.date, dt.date]:
    """(valid_from, valid_to) with the kind's default months unless ``months`` is given."""
    months = default_validity_months(kind) if months is None else months
    check_validity_months(kind, months, level_unchanged=level_unchanged)
    return valid_from, compute_valid_to(valid_from, months)


# --- 一次判定 (UNOFFICIAL helpers) ------------------------------------------------------------
# The thresholds are official (省令); the 32–50 split and the 認知症加算 come from secondary
# sources (docs/domain.md §3.3). Results carry ``unofficial=True`` and must be shown as such.


class PrimaryBand(StrEnum):
    NOT_ELIGIBLE = "非該当"
    SUPPORT_1 = "要支援1"
    SUPPORT_2_OR_CARE_1 = "要支援2・要介護1"
    CARE_2 = "要介護2"
    CARE_3 = "要介護3"
    CARE_4 = "要介護4"
    CARE_5 = "要介護5"


# Lower bounds (minutes, inclusive) of each band above 非該当.
PRIMARY_THRESHOLDS: tuple[tuple[Decimal, PrimaryBand], ...] = (
    (Decimal(25), PrimaryBand.SUPPORT_1),
    (Decimal(32), PrimaryBand.SUPPORT_2_OR_CARE_1),
    (Decimal(50), PrimaryBand.CARE_2),
    (Decimal(70), PrimaryBand.CARE_3),
    (Decimal(90), PrimaryBand.CARE_4),
    (Decimal(110), PrimaryBand.CARE_5),
)


class DementiaDegree(StrEnum):
    """認知症高齢者の日常生活自立度."""

    INDEPENDENT = "自立"
    I = "Ⅰ"  # noqa: E741
    IIA = "Ⅱa"
    IIB = "Ⅱb"
    IIIA = "Ⅲa"
    IIIB = "Ⅲb"
    IV = "Ⅳ"
    M = "M"


class PhysicalIndependence(StrEnum):
    """障害高齢者の日常生活自立度."""

    INDEPENDENT = "自立"
    J1 = "J1"
    J2 = "J2"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


_DEMENTIA_BELOW_II = frozenset({DementiaDegree.INDEPENDENT, DementiaDegree.I})
_DEMENTIA_II_OR_ABOVE = frozenset(DementiaDegree) - _DEMENTIA_BELOW_II
_ADDITION_DEMENTIA = frozenset(DementiaDegree(v) for v in ("Ⅲa", "Ⅲb", "Ⅳ", "M"))
_ADDITION_PHYSICAL = frozenset(p for p in PhysicalIndependence if p.value[0] not in "BC")
# Minutes added by the 認知症加算 for +1 / +2 levels, by the band before the addition.
DEMENTIA_ADDITION_MINUTES: dict[PrimaryBand, tuple[Decimal, Decimal]] = {
    PrimaryBand.NOT_ELIGIBLE: (Decimal("7"), Decimal("19.5")),
    PrimaryBand.SUPPORT_1: (Decimal("12.5"), Decimal("31.5")),
    PrimaryBand.SUPPORT_2_OR_CARE_1: (Decimal("19"), Decimal("39")),
    PrimaryBand.CARE_2: (Decimal("20"), Decimal("40")),
}
_BAND_LEVEL = {
    PrimaryBand.NOT_ELIGIBLE: CareLevel.NOT_ELIGIBLE,
    PrimaryBand.SUPPORT_1: CareLevel.SUPPORT_1,
    PrimaryBand.CARE_2: CareLevel.CARE_2,
    PrimaryBand.CARE_3: CareLevel.CARE_3,
    PrimaryBand.CARE_4: CareLevel.CARE_4,
    PrimaryBand.CARE_5: CareLevel.CARE_5,
}


def _minutes(value: Decimal | int | float) -> Decimal:
    # str() first so that 31.9 stays 31.9 and does not become 31.899999…
    minutes = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not minutes.is_finite() or minutes < 0:
        message = f"基準時間 {value!r} は0以上の数値が必要です"
        raise _invalid("CT-INVALID-MINUTES", "minutes", str(value), message)
    return minutes


def primary_band(minutes: Decimal | int | float) -> PrimaryBand:
    """The band of 要介護認定等基準時間 (official thresholds; lower bounds inclusive)."""
    value = _minutes(minutes)
    band = PrimaryBand.NOT_ELIGIBLE
    for bound, candidate in PRIMARY_THRESHOLDS:
        if value >= bound:
            band = candidate
    return band


def split_support2_care1(
    survey_dementia: DementiaDegree,
    opinion_dementia: DementiaDegree,
    *,
    stable: bool | None = None,
    p_dementia_ii_or_above: float | None = None,
) -> CareLevel:
    """要支援2 or 要介護1 inside the 32–50 band (UNOFFICIAL, secondary source).

    Both degrees ≥ Ⅱ → 要介護1. Exactly one ≥ Ⅱ → 要介護1 when the estimated probability of
    ≥ Ⅱ is at least 50 %, else the stability tree. Both 自立/Ⅰ → the stability tree:
    ``stable`` True (安定) → 要支援2, False (不安定) → 要介護1.
    """
    high = [DementiaDegree(d) in _DEMENTIA_II_OR_ABOVE for d in (survey_dementia, opinion_dementia)]
    if all(high):
        return CareLevel.CARE_1
    if any(high):
        p = p_dementia_ii_or_above
        if p is None or not 0 <= p <= 1:
            message = "認知症自立度Ⅱ以上の蓋然性（0〜1）が必要です"
            raise _invalid("CT-SPLIT-PROBABILITY", "p_dementia_ii_or_above", p, message)
        if p >= 0.5:
            return CareLevel.CARE_1
    if stable is None:
        message = "状態の安定性（安定/不安定）が必要です"
        raise _invalid("CT-SPLIT-STABILITY", "stable", None, message)
    return CareLevel.SUPPORT_2 if stable else CareLevel.CARE_1


def dementia_addition_applies(
    minutes: Decimal | int | float,
    dementia: DementiaDegree,
    physical: PhysicalIndependence,
) -> bool:
    """認知症加算 conditions: dementia Ⅲ/Ⅳ/M, physical 自立/J/A, under 70 minutes."""
    return (
        DementiaDegree(dementia) in _ADDITION_DEMENTIA
        and PhysicalIndependence(physical) in _ADDITION_PHYSICAL
        and _minutes(minutes) < 70
    )


def apply_dementia_addition(
    minutes: Decimal | int | float,
    dementia: DementiaDegree,
    physical: PhysicalIndependence,
    *,
    levels: int,
) -> Decimal:
    """Minutes after the 認知症加算 (UNOFFICIAL). ``levels`` (1 or 2) is the caller's: which
    cases raise two levels is not in our sources. Unchanged when the conditions do not hold."""
    if levels not in (1, 2):
        message = f"加算の段階 {levels!r} は1または2です"
        raise _invalid("CT-ADDITION-LEVELS", "levels", levels, message)
    value = _minutes(minutes)
    if not dementia_addition_applies(value, dementia, physical):
        return value
    return value + DEMENTIA_ADDITION_MINUTES[primary_band(value)][levels - 1]


@dataclass(frozen=True, slots=True)
class PrimaryAssessment:
    minutes: Decimal  # after any 認知症加算
    band: PrimaryBand
    level: CareLevel | None  # None when the 32–50 split lacks its inputs
    dementia_addition: bool
    unofficial: bool = True


def primary_assessment(
    minutes: Decimal | int | float,
    *,
    survey_dementia: DementiaDegree,
    opinion_dementia: DementiaDegree,
    physical: PhysicalIndependence,
    addition_levels: int = 1,
    stable: bool | None = None,
    p_dementia_ii_or_above: float | None = None,
) -> PrimaryAssessment:
    """基準時間 → level, with the 認知症加算 (judged on the survey's dementia degree) and the
    32–50 split. Always flagged unofficial."""
    adjusted = apply_dementia_addition(minutes, survey_dementia, physical, levels=addition_levels)
    band = primary_band(adjusted)
    level = _BAND_LEVEL.get(band)
    if band is PrimaryBand.SUPPORT_2_OR_CARE_1:
        try:
            level = split_support2_care1(
                survey_dementia,
                opinion_dementia,
                stable=stable,
                p_dementia_ii_or_above=p_dementia_ii_or_above,
            )
        except InvalidInput:
            level = None
    return PrimaryAssessment(adjusted, band, level, adjusted != _minutes(minutes))


def non_public_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is not a public Internet address an outbound webhook may reach, or None."""
    if address.version == 6 and address.ipv4_mapped is not None:  # type: ignore[union-attr]
        return non_public_reason(address.ipv4_mapped)  # type: ignore[union-attr]
    checks = (
        (address.is_loopback, "ループバック"),
        (address.is_link_local, "リンクローカル (クラウドのメタデータを含む)"),
        (address.is_private, "プライベート"),
        (address.is_multicast, "マルチキャスト"),
        (address.is_unspecified, "未指定"),
        (address.is_reserved, "予約済み"),
        (not address.is_global, "インターネット上の公開アドレスではない"),
    )
    return next((why for hit, why in checks if hit), None)
