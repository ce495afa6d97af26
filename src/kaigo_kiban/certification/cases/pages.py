"""Case pages for care-management offices (progress list, change feed, webhooks) and the
municipality's overview. Thin: the services pass the gate; these parse, call and render
(templates in ``certification/templates/certification/``). ``Municipal``, ``Office`` and
``CSRF`` guard the staff pages of every certification router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.certification.cases import overview, progress, webhooks
from kaigo_kiban.core.errors import InvalidInput, KibanError, PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render

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
    rows = progress.office_cases(db, settings, actor)
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
        "events": progress.office_events(db, settings, actor),
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
        _sub, secret = webhooks.subscribe(db, settings, actor, url)
    except InvalidInput as exc:
        return _updates(request, db, settings, actor, error=exc, status_code=422)
    return _updates(request, db, settings, actor, secret=secret)


@router.post("/office/certifications/webhooks/{subscription_id}/delete", dependencies=CSRF)
def unsubscribe(subscription_id: RowId, db: Db, actor: Office) -> Response:
    webhooks.unsubscribe(db, actor, subscription_id)
    return RedirectResponse("/office/certifications/updates", status_code=303)


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
