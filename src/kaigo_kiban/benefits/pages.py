"""The office view of a person's 住宅改修費・福祉用具購入費 usage (thin)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kaigo_kiban.access.sections import render_office_section
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.benefits import service
from kaigo_kiban.http.deps import AppSettings, Db

router = APIRouter(include_in_schema=False)


@router.get("/office/persons/{insured_no}/usage")
def office_usage(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str = "",
) -> Response:
    """Used and remaining amounts, or why the office may not see them."""
    return render_office_section(
        request,
        db,
        actor,
        insurer_no,
        insured_no,
        title="住宅改修費・福祉用具購入費",
        heading="住宅改修費・福祉用具購入費の利用状況",
        section="benefits/_usage.html",
        key="summary",
        fetch=lambda insurer: service.usage_summary(db, settings, actor, insurer, insured_no),
        insurer_required_code="BN-INSURER-REQUIRED",
    )
