"""Office pages: look a person up by number + birth date; read their cards (authorised, audited)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.actors import CurrentActor, MunicipalActor
from kaigo_kiban.cards import service
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.portal import service_readiness as readiness
from kaigo_kiban.registry import service as registry

router = APIRouter(include_in_schema=False)


@router.get("/office/lookup")
def lookup(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insured_no: str = "",
    birth_date: str = "",
    as_of: dt.date | None = Query(None),
) -> Response:
    context: dict[str, object] = {
        "insured_no": insured_no,
        "birth_date": birth_date,
        "title": "被保険者の照会",
    }
    errors: dict[str, str] = {}
    if insured_no or birth_date:
        if not (insured_no.isdigit() and len(insured_no) == 10):
            errors["insured_no"] = "被保険者番号は10桁の数字で入力してください"
        try:
            born = dt.date.fromisoformat(birth_date)
        except ValueError:
            errors["birth_date"] = "生年月日を YYYY-MM-DD の形で入力してください"
        if not errors:
            day = as_of or today_jst()
            try:
                person, cards = service.lookup_for_office(
                    db, settings, actor, insured_no, born, day
                )
            except AccessDenied as denied:
                context["denied"] = denied
            else:
                context.update(
                    person=person,
                    cards=cards,
                    as_of=day,
                    labels=service.CARD_LABELS,
                    not_live=readiness.not_live_notice(db, person.insurer_no, day),
                )
    context["errors"] = errors
    status = 422 if errors else 200
    return render(request, "cards/lookup.html", context, status_code=status)


@router.get("/municipal/persons")
def search(
    request: Request, db: Db, settings: AppSettings, actor: MunicipalActor, q: str = ""
) -> Response:
    persons = service.search_persons(db, settings, actor, q) if q else []
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
