"""Office pages: look a person up by number + birth date; read their cards (authorised, audited)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.cards import service
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.portal import service_readiness as readiness

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
