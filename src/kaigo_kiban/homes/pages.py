"""Home pages: per role, the portal's front page (介護情報基盤ポータル), and the office's
look-up of a person, which puts the person's cards beside their insurer's readiness notice (so
cards need not know the schedule). The demo walkthrough page is the demo's
(``app.demo.walkthrough``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.actors import CurrentActor, OptionalActor, optional_actor
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.ingest import service as ingest
from kaigo_kiban.readiness import service as readiness

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
        assigned = access.list_assigned_persons(db, settings, actor)
        due = cards.renewals_due(db, [grant for *_row, grant in assigned], today_jst())
        context.update(assigned=assigned, renewals=due)
        return render(request, "home_office.html", context)
    return render(request, "home_other.html", context)


@router.get("/portal")
def portal_home(request: Request, actor: OptionalActor) -> Response:
    return render(request, "portal_home.html", {"title": "介護情報基盤ポータル"})


@router.get("/office/lookup")
def lookup(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str = "",
    insured_no: str = "",
    birth_date: str = "",
    as_of: dt.date | None = Query(None),
) -> Response:
    # The number is unique only within one insurer: the lookup is always of one insurer's
    # person — the one named, else the office's own municipality.
    insurer_no = insurer_no.strip() or (actor.insurer_no or "")
    context: dict[str, object] = {
        "insurer_no": insurer_no,
        "insured_no": insured_no,
        "birth_date": birth_date,
        "title": "被保険者の照会",
    }
    errors: dict[str, str] = {}
    if insured_no or birth_date:
        if not (insurer_no.isdigit() and len(insurer_no) == 6):
            errors["insurer_no"] = "保険者番号は6桁の数字で入力してください"
        if not (insured_no.isdigit() and len(insured_no) == 10):
            errors["insured_no"] = "被保険者番号は10桁の数字で入力してください"
        try:
            born = dt.date.fromisoformat(birth_date)
        except ValueError:
            errors["birth_date"] = "生年月日を YYYY-MM-DD の形で入力してください"
        if not errors:
            day = as_of or today_jst()
            try:
                person, found = cards.lookup_for_office(
                    db, settings, actor, insurer_no, insured_no, born, day
                )
            except AccessDenied as denied:
                context["denied"] = denied
            else:
                context.update(person=person, cards=found, as_of=day, labels=cards.CARD_LABELS)
            # Said of the insurer named, found or not: it tells nothing about the person.
            context["not_live"] = readiness.not_live_notice(db, insurer_no, day)
    context["errors"] = errors
    status = 422 if errors else 200
    return render(request, "office_lookup.html", context, status_code=status)
