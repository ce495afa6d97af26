"""Home page per role (the demo walkthrough page is the demo's: ``app.demo.walkthrough``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.actors import optional_actor
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.ingest import service as ingest

router = APIRouter(include_in_schema=False)


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
