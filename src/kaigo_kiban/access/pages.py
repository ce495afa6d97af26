"""Office pages: my assigned persons."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kaigo_kiban.access import service
from kaigo_kiban.web.deps import AppSettings, CurrentActor, Db, render

router = APIRouter(include_in_schema=False)


@router.get("/office/persons")
def assigned(request: Request, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    rows = service.list_assigned_persons(db, settings, actor)
    return render(request, "access/assigned.html", {"assigned": rows, "title": "担当利用者"})
