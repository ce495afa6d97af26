"""LIFE pages: an office's view of one person's trend, and the municipal aggregates (thin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.life import service
from kaigo_kiban.web.deps import AppSettings, CurrentActor, Db, render

router = APIRouter(include_in_schema=False)

OFFICE_PAGE = "benefits/office_section.html"  # an office's view of one section, or why not


@router.get("/office/persons/{insured_no}/life")
def office_trend(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str = "",
) -> Response:
    """The person's LIFE trend; a denial (consent withdrawn, assignment ended …) is shown as
    a message on the page, not as an error page."""
    insurer = insurer_no or actor.insurer_no
    if not insurer:
        raise InvalidInput(
            "保険者番号 (insurer_no) を指定してください", code="LIFE-INSURER-REQUIRED"
        )
    context = {
        "title": "LIFE 情報の推移",
        "heading": "LIFE 情報の推移",
        "section": "life/_trend.html",
        "insurer_no": insurer,
        "insured_no": insured_no,
    }
    try:
        trend = service.person_trend(db, settings, actor, insurer, insured_no)
    except AccessDenied as exc:
        db.commit()  # the audited denial stays on record
        return render(request, OFFICE_PAGE, {**context, "denial": exc}, status_code=403)
    return render(request, OFFICE_PAGE, {**context, "trend": trend})


@router.get("/municipal/life")
def municipal_page(request: Request, db: Db, actor: CurrentActor, months: int = 6) -> Response:
    agg = service.municipal_aggregates(db, actor, months=max(1, min(months, 24)))
    return render(request, "life/municipal_life.html", {"title": "LIFE 情報の集計", "agg": agg})
