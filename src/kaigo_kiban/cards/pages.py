"""Municipal pages: search the registry and read a person's cards (authorised, audited). The
office's look-up by number + birth date is in ``homes/pages.py`` (it adds the readiness notice)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kaigo_kiban.accounts.actors import MunicipalActor
from kaigo_kiban.cards import service
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.registry import service as registry

router = APIRouter(include_in_schema=False)


@router.get("/municipal/persons")
def search(
    request: Request, db: Db, settings: AppSettings, actor: MunicipalActor, q: str = ""
) -> Response:
    persons = service.search_persons(db, settings, actor, q) if q else []
    template = (
        "registry/_results.html" if request.headers.get("hx-request") else "registry/search.html"
    )
    return render(request, template, {"q": q, "persons": persons, "title": "被保険者の検索"})


@router.get("/municipal/renewals")
def renewals(request: Request, db: Db, settings: AppSettings, actor: MunicipalActor) -> Response:
    """The insurer's persons whose 認定有効期間 ends within 60 days (each listed through the gate,
    so on a page of its own rather than on every load of the home page)."""
    due = service.insurer_renewals_due(db, settings, actor, today_jst())
    return render(request, "cards/renewals.html", {"renewals": due, "title": "更新申請の時期の方"})


@router.get("/municipal/persons/{insured_no}")
def person(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: MunicipalActor,
    as_of: dt.date | None = Query(None),
) -> Response:
    day = as_of or today_jst()
    person = registry.get_person(db, actor.insurer_no or "", insured_no)
    data = service.read_cards(
        db, settings, actor, person.insurer_no, insured_no, day, with_history=True
    )
    return render(
        request,
        "registry/person.html",
        {
            "person": person,
            "cards": data,
            "as_of": day,
            "labels": service.CARD_LABELS,
            "title": person.name_kanji,
        },
    )
