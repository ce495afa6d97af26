"""The office view of a person's 住宅改修費・福祉用具購入費 usage (thin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.benefits import service
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.web.deps import AppSettings, CurrentActor, Db, render

router = APIRouter(include_in_schema=False)

PAGE = "benefits/office_section.html"  # shared with life/pages.py


@router.get("/office/persons/{insured_no}/usage")
def office_usage(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str = "",
) -> Response:
    """Used and remaining amounts; a denial (consent withdrawn, assignment ended …) is shown
    as a message on the page, not as an error page."""
    insurer = insurer_no or actor.insurer_no
    if not insurer:
        raise InvalidInput("保険者番号 (insurer_no) を指定してください", code="BN-INSURER-REQUIRED")
    context = {
        "title": "住宅改修費・福祉用具購入費",
        "heading": "住宅改修費・福祉用具購入費の利用状況",
        "section": "benefits/_usage.html",
        "insurer_no": insurer,
        "insured_no": insured_no,
    }
    try:
        summary = service.usage_summary(db, settings, actor, insurer, insured_no)
    except AccessDenied as exc:
        db.commit()  # the audited denials stay on record
        return render(request, PAGE, {**context, "denial": exc}, status_code=403)
    return render(request, PAGE, {**context, "summary": summary})
