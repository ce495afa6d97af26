"""居宅サービス計画作成依頼届出 pages: the office submits, the municipality accepts or returns.
Thin: the service passes the gate; these parse, call and render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.cases.pages import CSRF, Municipal, Office
from kaigo_kiban.certification.notices import rules
from kaigo_kiban.certification.notices import service as notices
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput, KibanError, PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render

router = APIRouter(include_in_schema=False)


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
        "persons": [row[1] for row in access.list_assigned_persons(db, settings, actor)],
        "statuses": rules.STATUSES,
        "kinds": rules.NOTICE_KINDS,
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
        "statuses": rules.STATUSES,
        "kinds": rules.NOTICE_KINDS,
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
