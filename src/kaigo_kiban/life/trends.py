"""Reading one person's LIFE assessments over time (offices, the person, their proxies)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import rules
from kaigo_kiban.life.models import LifeAssessment
from kaigo_kiban.registry.models import Organization


@dataclass(frozen=True)
class TrendRow:
    evaluate_date: dt.date
    office_name: str
    barthel_total: int | None
    dbd13_total: int | None
    vitality_total: int | None
    weight_kg: float | None
    height_cm: float | None

    @property
    def bmi(self) -> float | None:
        if not self.weight_kg or not self.height_cm:
            return None
        return round(self.weight_kg / (self.height_cm / 100) ** 2, 1)


@dataclass
class PersonTrend:
    rows: list[TrendRow] = field(default_factory=list)
    chart: rules.LineChart | None = None

    @property
    def latest(self) -> TrendRow | None:
        return self.rows[-1] if self.rows else None

    @property
    def barthel_series(self) -> list[tuple[dt.date, int]]:
        return [
            (r.evaluate_date, r.barthel_total) for r in self.rows if r.barthel_total is not None
        ]

    @property
    def summary(self) -> str:
        """The chart in words (its ``<desc>``)."""
        series = self.barthel_series
        if not series:
            return "Barthel Index の記録はありません。"
        (first_day, first), (last_day, last) = series[0], series[-1]
        return (
            f"{len(series)}回の評価: {first_day:%Y年%m月%d日} は {first}点、"
            f"{last_day:%Y年%m月%d日} は {last}点。" + rules.trend_sentence([v for _, v in series])
        )


def person_trend(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
) -> PersonTrend:
    """A person's LIFE assessments over time, oldest first, with the Barthel chart (audited)."""
    access.open_kind(session, settings, actor, insurer_no, insured_no, "life")
    rows = session.execute(
        select(LifeAssessment, Organization.name)
        .outerjoin(
            Organization,
            (Organization.code == LifeAssessment.care_facility_id)
            & (Organization.kind == "office"),
        )
        .where(LifeAssessment.insurer_no == insurer_no, LifeAssessment.insured_no == insured_no)
        .order_by(LifeAssessment.evaluate_date, LifeAssessment.care_facility_id)
    ).all()
    trend = PersonTrend(
        rows=[
            TrendRow(
                a.evaluate_date,
                name or a.care_facility_id,
                a.barthel_total,
                a.dbd13_total,
                a.vitality_total,
                a.weight_kg,
                a.height_cm,
            )
            for a, name in rows
        ]
    )
    if trend.barthel_series:
        trend.chart = rules.line_chart(trend.barthel_series)
    return trend
