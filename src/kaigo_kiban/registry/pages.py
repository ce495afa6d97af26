"""Municipal staff pages: search own insured persons, open one person's cards and history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.ingest import api as ingest_api
from kaigo_kiban.ingest import service as ingest
from kaigo_kiban.registry import service

router = APIRouter(include_in_schema=False)


def municipal_actor(actor: CurrentActor) -> CurrentActor:
    if actor.organization_kind != "municipality":
        raise PermissionDenied("市町村職員向けの画面です", code="PAGE-MUNICIPAL-ONLY")
    return actor


Municipal = Annotated[CurrentActor, Depends(municipal_actor)]


@router.get("/municipal/persons")
def search(
    request: Request, db: Db, settings: AppSettings, actor: Municipal, q: str = ""
) -> Response:
    persons = service.search_persons_audited(db, settings, actor, q) if q else []
    template = (
        "registry/_results.html" if request.headers.get("hx-request") else "registry/search.html"
    )
    return render(request, template, {"q": q, "persons": persons, "title": "被保険者の検索"})


@router.get("/municipal/persons/{insured_no}")
def person(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    as_of: dt.date | None = Query(None),
) -> Response:
    day = as_of or today_jst()
    person = service.get_person(db, actor.insurer_no or "", insured_no)
    data = cards.read_cards(
        db, settings, actor, person.insurer_no, insured_no, day, with_history=True
    )
    return render(
        request,
        "registry/person.html",
        {
            "person": person,
            "cards": data,
            "as_of": day,
            "labels": cards.CARD_LABELS,
            "title": person.name_kanji,
        },
    )


@router.get("/municipal/ingest")
def ingest_page(request: Request, db: Db, actor: Municipal) -> Response:
    files = ingest.list_recent_files(db, actor.insurer_no)
    return render(request, "ingest/files.html", {"files": files, "title": "ファイル取込"})


@router.post("/municipal/ingest", dependencies=[Depends(check_csrf)])
def ingest_upload(
    request: Request, db: Db, settings: AppSettings, actor: Municipal, file: UploadFile = File(...)
) -> Response:
    report = ingest_api.receive_upload(db, settings, actor, file)
    files = ingest.list_recent_files(db, actor.insurer_no)
    status = 422 if report.status == "rejected" else 200
    return render(
        request,
        "ingest/files.html",
        {"files": files, "report": report, "title": "ファイル取込"},
        status,
    )
