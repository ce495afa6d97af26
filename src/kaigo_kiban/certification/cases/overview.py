"""The municipality's overview: cases by state (overdue first) and the distribution of days
from application to decision, with the 30-day norm, as geometry for a server-rendered SVG."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases import rules
from kaigo_kiban.certification.cases.progress import NORM, summary
from kaigo_kiban.certification.cases.service import load_cases
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson

# --- municipality -----------------------------------------------------------------------------

BINS = ((0, 10), (11, 20), (21, 30), (31, 40), (41, 50), (51, 60), (61, None))


@dataclass(frozen=True)
class Histogram:
    bars: list[dict[str, Any]]
    width: int
    height: int
    norm_x: float
    baseline: float
    top: float
    max_count: int
    ticks: list[dict[str, Any]]


def histogram(days: list[int], *, width: int = 640, height: int = 260) -> Histogram:
    """Bars of days-to-decision in 10-day bins with the 30-day norm between the 3rd and 4th
    bin; geometry for a server-rendered SVG."""
    counts = [0] * len(BINS)
    for d in days:
        for i, (low, high) in enumerate(BINS):
            if d >= low and (high is None or d <= high):
                counts[i] += 1
                break
        else:
            counts[0] += 1  # negative days (a date error) counted in the first bin
    left, right, top, bottom = 48.0, 16.0, 40.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(BINS)
    peak = max([*counts, 1])
    bars = []
    for i, ((low, high), count) in enumerate(zip(BINS, counts, strict=True)):
        h = plot_h * count / peak
        label = f"{low}〜{high}日" if high is not None else f"{low}日以上"
        if i == 0:
            label = f"{high}日以内"
        bars.append(
            {
                "label": label,
                "count": count,
                "x": round(left + i * slot + slot * 0.12, 1),
                "y": round(top + plot_h - h, 1),
                "w": round(slot * 0.76, 1),
                "h": round(h, 1),
                "cx": round(left + i * slot + slot / 2, 1),
                "over_norm": low > NORM,
            }
        )
    step = max(1, -(-peak // 4))
    ticks = [
        {"value": v, "y": round(top + plot_h - plot_h * v / peak, 1)}
        for v in range(0, peak + 1, step)
    ]
    norm_x = round(left + 3 * slot, 1)
    return Histogram(bars, width, height, norm_x, top + plot_h, top, peak, ticks)


def municipal_overview(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    state: str | None = None,
    limit: int = 200,
) -> dict[str, Any]:
    """Counts by state, open cases (overdue first; each shown person passes the gate) and the
    distribution of days to decision for the insurer's decided cases."""
    insurer_no = actor.insurer_no or ""
    today = today_jst()
    cases = list(load_cases(session, insurer_no).values())
    progress = {c.application.application_no: c.progress(today) for c in cases}
    by_state = Counter(p.state for p in progress.values())
    decided_days = [
        p.elapsed_days
        for p in progress.values()
        if p.state in (rules.ProgressState.CERTIFIED, rules.ProgressState.NOT_ELIGIBLE)
        and p.elapsed_days is not None
    ]
    listed = [
        c
        for c in cases
        if (
            progress[c.application.application_no].is_open
            if state is None
            else progress[c.application.application_no].state.value == state
        )
    ]
    listed.sort(
        key=lambda c: (
            not progress[c.application.application_no].overdue,
            -(progress[c.application.application_no].elapsed_days or 0),
        )
    )
    rows = []
    for case in listed[:limit]:
        a = case.application
        grant = access.open_person(
            session, settings, actor, insurer_no, a.insured_no, ["progress"], "list"
        )
        if not grant.allows("progress"):
            continue
        rows.append(
            {
                "person": session.get(InsuredPerson, (insurer_no, a.insured_no)),
                "insured_no": a.insured_no,
                "case": summary(case, today),
            }
        )
    within = sum(1 for d in decided_days if d <= NORM)
    return {
        "states": [
            {"state": s.value, "label": s.label, "count": by_state.get(s, 0)}
            for s in rules.ProgressState
            if by_state.get(s, 0)
        ],
        "open_count": sum(1 for p in progress.values() if p.is_open),
        "overdue_count": sum(1 for p in progress.values() if p.is_open and p.overdue),
        "filter_state": state,
        "rows": rows,
        "more": max(0, len(listed) - limit),
        "decided": {
            "count": len(decided_days),
            "within_norm": within,
            "within_norm_percent": round(100 * within / len(decided_days), 1)
            if decided_days
            else None,
            "median_days": _number(median(decided_days)) if decided_days else None,
            "mean_days": round(sum(decided_days) / len(decided_days), 1) if decided_days else None,
        },
        "histogram": histogram(decided_days),
        "norm_days": NORM,
    }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
