"""Office pages: my assigned persons."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.access import service
from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render

router = APIRouter(include_in_schema=False)


@router.get("/office/persons")
def assigned(request: Request, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    rows = service.list_assigned_persons(db, settings, actor)
    return render(request, "access/assigned.html", {"assigned": rows, "title": "担当利用者"})


@router.post("/office/assignments/{assignment_id}/end", dependencies=[Depends(check_csrf)])
def end(assignment_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    service.end_assignment_by_office(db, settings, actor, assignment_id)
    return RedirectResponse("/office/persons", status_code=303)
