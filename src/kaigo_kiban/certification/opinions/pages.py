"""主治医意見書 pages. For medical institutions: open requests, the opinion form (drafts, field
checks, submission), and the opinions the institution wrote. For municipalities: the requests
they made (and a new one) and the printable opinion."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.certification.cases.pages import CSRF, Municipal
from kaigo_kiban.certification.opinions import form as opinion_form
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.certification.opinions.models import PhysicianOpinion
from kaigo_kiban.certification.opinions.reading import opinion_view
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput, KibanError, NotFound, PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(include_in_schema=False)


def _clinic(actor: CurrentActor) -> CurrentActor:
    if actor.organization_kind != "medical":
        raise PermissionDenied("医療機関向けの画面です", code="PAGE-MEDICAL-ONLY")
    return actor


Clinic = Annotated[CurrentActor, Depends(_clinic)]


@router.get("/clinic/requests")
def clinic_requests(request: Request, db: Db, settings: AppSettings, actor: Clinic) -> Response:
    rows = opinions.clinic_requests(db, settings, actor)
    return render(
        request,
        "certification/clinic_requests.html",
        {"rows": rows, "today": today_jst(), "title": "主治医意見書の作成依頼"},
    )


def _form_page(
    request: Request,
    db: Db,
    actor: CurrentActor,
    row: opinions.RequestRow,
    content: dict[str, Any] | None,
    *,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    if content is None:
        content = opinion_form.normalise(row.opinion.content if row.opinion else {})
        if not content.get("h_written_on"):
            content["h_written_on"] = today_jst().isoformat()
        if not content.get("h_institution_name"):
            content["h_institution_name"] = actor.organization_name
        if not content.get("h_doctor_name") and row.request.doctor_name:
            content["h_doctor_name"] = row.request.doctor_name
    assert row.grant is not None  # rows of the clinic's form come from clinic_request
    prior = opinions.prior_opinions(
        db, row.grant, institution_code=row.request.institution_code, exclude_request=row.request.id
    )
    context = {
        "row": row,
        "sections": opinion_form.SECTIONS,
        "content": content,
        "errors": errors or {},
        "message": message,
        "prior": prior,
        "editable": row.request.status == "open"
        and (row.opinion is None or row.opinion.status == "draft"),
        "title": "主治医意見書の作成",
    }
    return render(request, "certification/clinic_form.html", context, status_code)


@router.get("/clinic/requests/{request_id}")
def clinic_form(
    request: Request,
    request_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: Clinic,
    saved: bool = Query(False),
) -> Response:
    row = opinions.clinic_request(db, settings, actor, request_id)
    message = "下書きを保存しました。" if saved else None
    return _form_page(request, db, actor, row, None, message=message)


@router.post("/clinic/requests/{request_id}", dependencies=[Depends(check_csrf)])
async def clinic_form_post(
    request: Request, request_id: RowId, db: Db, settings: AppSettings, actor: Clinic
) -> Response:
    form = await request.form()
    values = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
    content = opinion_form.from_form(values)
    action = form.get("action")
    if action == "submit":
        try:
            opinion = opinions.submit(db, settings, actor, request_id, content)
        except opinions.OpinionInvalid as exc:
            row = opinions.clinic_request(db, settings, actor, request_id)
            return _form_page(
                request,
                db,
                actor,
                row,
                content,
                errors=exc.details,
                message=exc.message,
                status_code=422,
            )
        return RedirectResponse(f"/clinic/opinions/{opinion.id}?submitted=1", status_code=303)
    _opinion, problems = opinions.save_draft(db, settings, actor, request_id, content)
    if problems:
        row = opinions.clinic_request(db, settings, actor, request_id)
        message = f"下書きを保存しましたが、形式に誤りのある項目が {len(problems)} 件あります。"
        return _form_page(request, db, actor, row, content, errors=problems, message=message)
    return RedirectResponse(f"/clinic/requests/{request_id}?saved=1", status_code=303)


@router.get("/clinic/opinions")
def clinic_opinions(request: Request, db: Db, settings: AppSettings, actor: Clinic) -> Response:
    rows = opinions.clinic_authored(db, settings, actor)
    return render(
        request,
        "certification/clinic_opinions.html",
        {"rows": rows, "title": "作成した主治医意見書"},
    )


@router.get("/clinic/opinions/{opinion_id}")
def clinic_opinion(
    request: Request,
    opinion_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: Clinic,
    submitted: bool = Query(False),
) -> Response:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return opinion_page(
        request,
        db,
        settings,
        opinion,
        back=("/clinic/opinions", "作成した主治医意見書"),
        notice="意見書を提出しました。市町村に届いています。" if submitted else None,
    )


# --- municipalities ---------------------------------------------------------------------------


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
            "opinion": opinion_view(db, settings, opinion),
            "application_no": opinion.application_no,
            "person": person,
            "back": back,
            "notice": notice,
            "title": "主治医意見書",
        },
    )
