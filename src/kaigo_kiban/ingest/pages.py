"""The municipality's file intake page: recent files, upload one (the same report as the API)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from starlette.responses import Response

from kaigo_kiban.accounts.actors import MunicipalActor, check_csrf
from kaigo_kiban.cards import service as cards
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.ingest import api as ingest_api
from kaigo_kiban.ingest import service as ingest

router = APIRouter(include_in_schema=False)


def _page(db: Db, actor: MunicipalActor, **extra: object) -> dict[str, object]:
    """The intake page: recent files, and how many of the platform's own card facts the
    insurer's files contradicted (a count only; each is shown on the person's card page)."""
    return {
        "files": ingest.list_recent_files(db, actor.insurer_no),
        "conflicts": cards.contradicted_count(db, actor.insurer_no or ""),
        "title": "ファイル取込",
        **extra,
    }


@router.get("/municipal/ingest")
def ingest_page(request: Request, db: Db, actor: MunicipalActor) -> Response:
    return render(request, "ingest/files.html", _page(db, actor))


@router.post("/municipal/ingest", dependencies=[Depends(check_csrf)])
def ingest_upload(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: MunicipalActor,
    file: UploadFile = File(...),
) -> Response:
    report = ingest_api.receive_upload(request, db, settings, actor, file)
    status = 422 if report.status == "rejected" else 200
    return render(request, "ingest/files.html", _page(db, actor, report=report), status)
