"""Certification pages for care-management offices and municipalities. Thin: the services pass
the gate; these parse, call and render (templates in ``templates/certification/``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import Assignment
from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.certification import notices, opinions, overview, views, webhooks
from kaigo_kiban.certification.formats import MILESTONES
from kaigo_kiban.certification.models import PhysicianOpinion
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput, KibanError, NotFound, PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(include_in_schema=False)


def _municipal(actor: CurrentActor) -> CurrentActor:
    if actor.organization_kind != "municipality":
        raise PermissionDenied("市町村職員向けの画面です", code="PAGE-MUNICIPAL-ONLY")
    return actor


def _office(actor: CurrentActor) -> CurrentActor:
    if actor.organization_kind != "office":
        raise PermissionDenied("事業所職員向けの画面です", code="PAGE-OFFICE-ONLY")
    return actor


Municipal = Annotated[CurrentActor, Depends(_municipal)]
Office = Annotated[CurrentActor, Depends(_office)]
CSRF = [Depends(check_csrf)]


# --- offices ----------------------------------------------------------------------------------


@router.get("/office/certifications")
def office_cases(request: Request, db: Db, settings: AppSettings, actor: Office) -> Response:
    rows = views.office_cases(db, settings, actor)
    return render(request, "certification/office_cases.html", {"rows": rows, "title": "認定の進捗"})


def _updates(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Office,
    *,
    secret: str | None = None,
    error: KibanError | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "events": views.office_events(db, settings, actor),
        "subscriptions": webhooks.list_subscriptions(db, actor),
        "secret": secret,
        "error": error,
        "title": "認定の進捗の通知",
    }
    return render(request, "certification/updates.html", context, status_code)


@router.get("/office/certifications/updates")
def updates(request: Request, db: Db, settings: AppSettings, actor: Office) -> Response:
    return _updates(request, db, settings, actor)


@router.post("/office/certifications/webhooks", dependencies=CSRF)
def subscribe(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Office,
    url: Annotated[str, Form()] = "",
) -> Response:
    try:
        _sub, secret = webhooks.subscribe(db, actor, url)
    except InvalidInput as exc:
        return _updates(request, db, settings, actor, error=exc, status_code=422)
    return _updates(request, db, settings, actor, secret=secret)


@router.post("/office/certifications/webhooks/{subscription_id}/delete", dependencies=CSRF)
def unsubscribe(subscription_id: RowId, db: Db, actor: Office) -> Response:
    webhooks.unsubscribe(db, actor, subscription_id)
    return RedirectResponse("/office/certifications/updates", status_code=303)


def _assigned_insurer(db: Db, actor: CurrentActor, insured_no: str) -> str:
    insurer = db.scalar(
        select(Assignment.insurer_no)
        .where(
            Assignment.organization_id == actor.organization_id,
            Assignment.insured_no == insured_no,
        )
        .limit(1)
    )
    if insurer is None:
        raise NotFound("担当利用者が見つかりません", code="CT-PERSON-NOT-ASSIGNED")
    return insurer


@router.get("/office/certifications/{insured_no}")
def office_case(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Office,
    insurer_no: str | None = Query(None),
    application_no: str | None = Query(None),
) -> Response:
    insurer = insurer_no or _assigned_insurer(db, actor, insured_no)
    data = views.case_view(db, settings, actor, insurer, insured_no, application_no)
    return _case_page(request, data, back=("/office/certifications", "認定の進捗"))


def _case_page(request: Request, data: dict, back: tuple[str, str]) -> Response:
    person = data["person"]
    return render(
        request,
        "certification/case.html",
        {**data, "back": back, "title": f"{person.name_kanji} さんの認定" if person else "認定"},
    )


@router.get("/office/plan-notices")
def office_notices(request: Request, db: Db, settings: AppSettings, actor: Office) -> Response:
    return _office_notices(request, db, settings, actor)


def _office_notices(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    *,
    error: KibanError | None = None,
    done: bool = False,
    status_code: int = 200,
) -> Response:
    context = {
        "rows": notices.list_notices(db, settings, actor),
        "persons": [p for _a, p, _state in access.list_assigned_persons(db, settings, actor)],
        "statuses": notices.STATUSES,
        "kinds": notices.NOTICE_KINDS,
        "error": error,
        "done": done,
        "today": today_jst(),
        "title": "居宅サービス計画作成依頼届出",
    }
    return render(request, "certification/office_notices.html", context, status_code)


@router.post("/office/plan-notices", dependencies=CSRF)
def office_notice_submit(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Office,
    person: Annotated[str, Form()] = "",
    plan_valid_from: Annotated[str, Form()] = "",
    notice_kind: Annotated[str, Form()] = "1",
    remarks: Annotated[str, Form()] = "",
) -> Response:
    try:
        insurer_no, _, insured_no = person.partition(":")
        try:
            start = dt.date.fromisoformat(plan_valid_from)
        except ValueError:
            raise InvalidInput(
                "適用開始日を入力してください",
                code="CT-NOTICE-START",
                details={"field": "plan_valid_from"},
            ) from None
        notices.submit_notice(
            db,
            settings,
            actor,
            insurer_no=insurer_no,
            insured_no=insured_no,
            plan_valid_from=start,
            notice_kind=notice_kind,
            remarks=remarks.strip() or None,
        )
    except KibanError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _office_notices(request, db, settings, actor, error=exc, status_code=422)
    return _office_notices(request, db, settings, actor, done=True)


# --- municipalities ---------------------------------------------------------------------------


@router.get("/municipal/certifications")
def municipal_overview(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    state: str | None = Query(None),
) -> Response:
    data = overview.municipal_overview(db, settings, actor, state=state or None)
    return render(request, "certification/municipal_overview.html", {**data, "title": "認定の進捗"})


@router.get("/municipal/certifications/{insured_no}")
def municipal_case(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    application_no: str | None = Query(None),
) -> Response:
    data = views.case_view(db, settings, actor, actor.insurer_no or "", insured_no, application_no)
    data["milestone_codes"] = MILESTONES
    return _case_page(request, data, back=("/municipal/certifications", "認定の進捗"))


def _municipal_requests(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    *,
    error: KibanError | None = None,
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "rows": opinions.municipal_requests(db, settings, actor),
        "error": error,
        "form": form or {"requested_on": today_jst().isoformat()},
        "title": "主治医意見書の依頼",
    }
    return render(request, "certification/municipal_requests.html", context, status_code)


@router.get("/municipal/opinion-requests")
def municipal_requests(
    request: Request, db: Db, settings: AppSettings, actor: Municipal
) -> Response:
    return _municipal_requests(request, db, settings, actor)


@router.post("/municipal/opinion-requests", dependencies=CSRF)
def municipal_request_create(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    insured_no: Annotated[str, Form()] = "",
    application_no: Annotated[str, Form()] = "",
    institution_code: Annotated[str, Form()] = "",
    requested_on: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    doctor_name: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "insured_no": insured_no.strip(),
        "application_no": application_no.strip(),
        "institution_code": institution_code.strip(),
        "requested_on": requested_on,
        "due_on": due_on,
        "doctor_name": doctor_name.strip(),
    }
    try:
        try:
            requested = dt.date.fromisoformat(requested_on)
            due = dt.date.fromisoformat(due_on) if due_on else None
        except ValueError:
            raise InvalidInput(
                "日付を正しく入力してください", code="CT-DATE", details={"field": "requested_on"}
            ) from None
        if db.get(InsuredPerson, (actor.insurer_no, form["insured_no"])) is None:
            raise NotFound("被保険者が見つかりません", code="CT-PERSON-NOT-FOUND")
        opinions.register_opinion_request(
            db,
            settings,
            actor,
            insured_no=form["insured_no"],
            application_no=form["application_no"],
            institution_code=form["institution_code"],
            requested_on=requested,
            due_on=due,
            doctor_name=form["doctor_name"] or None,
        )
    except (InvalidInput, NotFound) as exc:
        return _municipal_requests(
            request, db, settings, actor, error=exc, form=form, status_code=422
        )
    except KibanError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _municipal_requests(
            request, db, settings, actor, error=exc, form=form, status_code=409
        )
    return RedirectResponse("/municipal/opinion-requests", status_code=303)


@router.get("/municipal/opinions/{opinion_id}")
def municipal_opinion(
    request: Request, opinion_id: RowId, db: Db, settings: AppSettings, actor: Municipal
) -> Response:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return opinion_page(
        request, db, settings, opinion, back=("/municipal/opinion-requests", "主治医意見書の依頼")
    )


def opinion_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    opinion: PhysicianOpinion,
    back: tuple[str, str],
    notice: str | None = None,
) -> Response:
    """The printable opinion, laid out like the paper form (also used by clinics)."""
    person = db.get(InsuredPerson, (opinion.insurer_no, opinion.insured_no))
    return render(
        request,
        "certification/opinion_print.html",
        {
            "opinion": views.opinion_view(db, settings, opinion),
            "application_no": opinion.application_no,
            "person": person,
            "back": back,
            "notice": notice,
            "title": "主治医意見書",
        },
    )


def _municipal_notices(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    *,
    error: KibanError | None = None,
    status_code: int = 200,
) -> Response:
    rows = notices.list_notices(db, settings, actor)
    rows.sort(key=lambda r: (r[0].status != "submitted", -r[0].id))
    context = {
        "rows": rows,
        "statuses": notices.STATUSES,
        "kinds": notices.NOTICE_KINDS,
        "error": error,
        "title": "居宅サービス計画作成依頼届出の受付",
    }
    return render(request, "certification/municipal_notices.html", context, status_code)


@router.get("/municipal/plan-notices")
def municipal_notices(
    request: Request, db: Db, settings: AppSettings, actor: Municipal
) -> Response:
    return _municipal_notices(request, db, settings, actor)


@router.post("/municipal/plan-notices/{notice_id}/accept", dependencies=CSRF)
def municipal_notice_accept(
    notice_id: RowId, db: Db, settings: AppSettings, actor: Municipal
) -> Response:
    notices.accept_notice(db, settings, actor, notice_id)
    return RedirectResponse("/municipal/plan-notices", status_code=303)


@router.post("/municipal/plan-notices/{notice_id}/return", dependencies=CSRF)
def municipal_notice_return(
    request: Request,
    notice_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        notices.return_notice(db, settings, actor, notice_id, reason)
    except InvalidInput as exc:
        return _municipal_notices(request, db, settings, actor, error=exc, status_code=422)
    return RedirectResponse("/municipal/plan-notices", status_code=303)
