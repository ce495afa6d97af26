"""LIFE pages: an office's view of one person's trend, and the municipal aggregates (thin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kaigo_kiban.access.sections import render_office_section
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.life import service, trends

router = APIRouter(include_in_schema=False)


@router.get("/office/persons/{insured_no}/life")
def office_trend(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str = "",
) -> Response:
    """The person's LIFE trend, or why the office may not see it."""
    return render_office_section(
        request,
        db,
        actor,
        insurer_no,
        insured_no,
        title="LIFE 情報の推移",
        section="life/_trend.html",
        key="trend",
        fetch=lambda insurer: trends.person_trend(db, settings, actor, insurer, insured_no),
        insurer_required_code="LIFE-INSURER-REQUIRED",
    )


@router.get("/municipal/life")
def municipal_page(request: Request, db: Db, actor: CurrentActor, months: int = 6) -> Response:
    agg = service.municipal_aggregates(db, actor, months=max(1, min(months, 24)))
    return render(request, "life/municipal_life.html", {"title": "LIFE 情報の集計", "agg": agg})
