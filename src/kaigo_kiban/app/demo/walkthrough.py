"""The demo walkthrough page (``/demo``, demo mode only): every demo account, by role."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.core.errors import NotFound
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.registry.models import Organization

router = APIRouter(include_in_schema=False)

ROLE_ORDER = {"municipality": 0, "office": 1, "medical": 2, "operator": 3}


@router.get("/demo")
def demo(request: Request, db: Db, settings: AppSettings) -> Response:
    if not settings.demo_mode:
        raise NotFound("ページが見つかりません", code="KK-NOT-FOUND")
    rows = [
        (account, org)
        for org in db.scalars(select(Organization).order_by(Organization.id))
        for account in accounts.list_staff(db, org.id)
    ]
    rows.sort(key=lambda r: (ROLE_ORDER.get(r[1].kind, 9), r[1].code, r[0].login_id))
    return render(request, "demo.html", {"rows": rows, "title": "デモの案内"})
