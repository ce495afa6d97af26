"""Home page per role, and the demo walkthrough page (demo mode only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.actors import optional_actor
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.errors import NotFound
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.ingest import service as ingest
from kaigo_kiban.registry.models import Organization

router = APIRouter(include_in_schema=False)

ROLE_ORDER = {"municipality": 0, "office": 1, "medical": 2, "operator": 3}


@router.get("/")
def home(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Annotated[Actor | None, Depends(optional_actor)],
) -> Response:
    if actor is None:
        return RedirectResponse("/demo" if settings.demo_mode else "/login", status_code=303)
    context: dict[str, object] = {"title": "ホーム"}
    if actor.organization_kind == "municipality":
        files = ingest.list_recent_files(db, actor.insurer_no, limit=10)
        context.update(files=files, rejected=[f for f in files if f.status == "rejected"])
        return render(request, "home_municipality.html", context)
    if actor.organization_kind == "office":
        context.update(assigned=access.list_assigned_persons(db, settings, actor))
        return render(request, "home_office.html", context)
    return render(request, "home_other.html", context)


@router.get("/demo")
def demo(request: Request, db: Db, settings: AppSettings) -> Response:
    if not settings.demo_mode:
        raise NotFound("ページが見つかりません", code="KK-NOT-FOUND")
    rows = db.execute(
        select(StaffAccount, Organization).join(
            Organization, Organization.id == StaffAccount.organization_id
        )
    ).all()
    rows.sort(key=lambda r: (ROLE_ORDER.get(r[1].kind, 9), r[1].code, r[0].login_id))
    return render(request, "demo.html", {"rows": rows, "title": "デモの案内"})
