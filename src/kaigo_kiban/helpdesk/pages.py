"""Vendor list (public) and its upkeep (operators), inquiries, and the FAQ (public)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, OptionalActor, check_csrf, optional_actor
from kaigo_kiban.accounts.rules import Actor, require_operator
from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.helpdesk import service as helpdesk
from kaigo_kiban.http.deps import Db, RowId, render

router = APIRouter(include_in_schema=False)


async def csrf_if_signed_in(
    request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> None:
    """Forms that anonymous visitors may send too: a signed-in session must echo its CSRF
    token; an anonymous post carries no credential a forged request could borrow."""
    if actor is not None:
        await check_csrf(request, actor)


# --- vendors ----------------------------------------------------------------------------


@router.get("/portal/vendors")
def vendors_page(
    request: Request, db: Db, actor: OptionalActor, prefecture: str = "", service: str = ""
) -> Response:
    pref = prefecture if prefecture in PREFECTURES else ""
    svc = service if service in helpdesk.VENDOR_SERVICES else ""
    operator = actor is not None and actor.organization_kind == "operator"
    vendors = helpdesk.list_vendors(
        db, prefecture=pref or None, service=svc or None, include_inactive=operator
    )
    return render(
        request,
        "helpdesk/vendors.html",
        {
            "title": "導入支援事業者",
            "vendors": vendors,
            "prefectures": PREFECTURES,
            "services": helpdesk.VENDOR_SERVICES,
            "prefecture": pref,
            "service": svc,
            "operator": operator,
        },
    )


def _vendor_form(
    request: Request, vendor_id: RowId | None, data: helpdesk.VendorInput, errors: dict[str, str]
) -> Response:
    return render(
        request,
        "helpdesk/vendor_form.html",
        {
            "title": "導入支援事業者の編集" if vendor_id else "導入支援事業者の登録",
            "vendor_id": vendor_id,
            "data": data,
            "errors": errors,
            "prefectures": PREFECTURES,
            "services": helpdesk.VENDOR_SERVICES,
        },
        422 if errors else 200,
    )


@router.get("/portal/vendors/new")
def new_vendor_page(request: Request, actor: CurrentActor) -> Response:
    require_operator(actor)
    return _vendor_form(request, None, helpdesk.VendorInput(name=""), {})


@router.get("/portal/vendors/{vendor_id}/edit")
def edit_vendor_page(request: Request, vendor_id: RowId, db: Db, actor: CurrentActor) -> Response:
    require_operator(actor)
    return _vendor_form(request, vendor_id, helpdesk.get_vendor(db, vendor_id).as_input(), {})


class VendorForm:
    """The vendor form's fields (a dependency, shared by create and update)."""

    def __init__(
        self,
        name: Annotated[str, Form()] = "",
        url: Annotated[str, Form()] = "",
        phone: Annotated[str, Form()] = "",
        email: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        nationwide: Annotated[str, Form()] = "",
        active: Annotated[str, Form()] = "",
        prefectures: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads it
        services: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> None:
        self.data = helpdesk.VendorInput(
            name=name.strip(),
            url=url.strip(),
            phone=phone.strip(),
            email=email.strip(),
            note=note,
            nationwide=nationwide == "1",
            prefectures=prefectures,
            services=services,
            active=active == "1",
        )


def _save_vendor(
    request: Request, db: Db, actor: Actor, vendor_id: RowId | None, form: VendorForm
) -> Response:
    require_operator(actor)
    errors = helpdesk.vendor_errors(form.data)
    if errors:
        return _vendor_form(request, vendor_id, form.data, errors)
    if vendor_id is None:
        helpdesk.create_vendor(db, actor, form.data)
    else:
        helpdesk.update_vendor(db, actor, vendor_id, form.data)
    return RedirectResponse("/portal/vendors?saved=1", status_code=303)


@router.post("/portal/vendors", dependencies=[Depends(check_csrf)])
def create_vendor(
    request: Request, db: Db, actor: CurrentActor, form: Annotated[VendorForm, Depends()]
) -> Response:
    return _save_vendor(request, db, actor, None, form)


@router.post("/portal/vendors/{vendor_id}", dependencies=[Depends(check_csrf)])
def update_vendor(
    request: Request,
    vendor_id: RowId,
    db: Db,
    actor: CurrentActor,
    form: Annotated[VendorForm, Depends()],
) -> Response:
    return _save_vendor(request, db, actor, vendor_id, form)


# --- inquiries --------------------------------------------------------------------------


def _inquiry_form(
    request: Request, actor: Actor | None, form: dict[str, str], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "helpdesk/inquiry_form.html",
        {
            "title": "お問い合わせ",
            "form": form,
            "errors": errors,
            "categories": helpdesk.INQUIRY_CATEGORIES,
            "signed_in": actor is not None,
        },
        422 if errors else 200,
    )


@router.get("/portal/inquiries/new")
def new_inquiry_page(request: Request, actor: OptionalActor, category: str = "") -> Response:
    return _inquiry_form(request, actor, {"category": category}, {})


@router.post("/portal/inquiries", dependencies=[Depends(csrf_if_signed_in)])
def send_inquiry(
    request: Request,
    db: Db,
    actor: OptionalActor,
    category: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    contact_name: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "category": category,
        "subject": subject,
        "body": body,
        "contact_name": contact_name,
        "contact_email": contact_email,
    }
    errors = helpdesk.inquiry_errors(actor, category, subject, body, contact_email)
    if errors:
        return _inquiry_form(request, actor, form, errors)
    inquiry, token = helpdesk.create_inquiry(
        db,
        actor,
        category=category,
        subject=subject,
        body=body,
        contact_name=contact_name,
        contact_email=contact_email,
    )
    if actor is not None:
        return RedirectResponse(f"/portal/inquiries/{inquiry.id}?sent=1", status_code=303)
    return render(
        request,
        "helpdesk/inquiry_sent.html",
        {"title": "お問い合わせを受け付けました", "inquiry": inquiry, "token": token},
    )


@router.get("/portal/inquiries")
def inquiries_page(request: Request, db: Db, actor: CurrentActor, status: str = "") -> Response:
    state = status if status in helpdesk.INQUIRY_STATUSES else ""
    return render(
        request,
        "helpdesk/inquiries.html",
        {
            "title": "お問い合わせ",
            "inquiries": helpdesk.list_inquiries(db, actor, state or None),
            "status": state,
            "statuses": helpdesk.INQUIRY_STATUSES,
            "categories": helpdesk.INQUIRY_CATEGORIES,
            "operator": actor.organization_kind == "operator",
        },
    )


def _thread(
    request: Request, db: Db, actor: Actor | None, inquiry: Any, status: int = 200, **extra: Any
) -> Response:
    messages = helpdesk.inquiry_messages(db, inquiry)
    first = messages[0].body if messages else ""
    answers = [m.body for m in messages if m.author_role == "operator"]
    return render(
        request,
        "helpdesk/inquiry.html",
        {
            "title": f"お問い合わせ No.{inquiry.id}",
            "inquiry": inquiry,
            "messages": messages,
            "categories": helpdesk.INQUIRY_CATEGORIES,
            "statuses": helpdesk.INQUIRY_STATUSES,
            "operator": actor is not None and actor.organization_kind == "operator",
            "can_reply": actor is not None,
            "faq_form": extra.pop("faq_form", None)
            or {
                "question": inquiry.subject + "\n\n" + first,
                "answer": answers[-1] if answers else "",
            },
            "errors": extra.pop("errors", {}),
            **extra,
        },
        status,
    )


@router.get("/portal/inquiries/{inquiry_id}")
def inquiry_page(
    request: Request, inquiry_id: RowId, db: Db, actor: CurrentActor, sent: str = ""
) -> Response:
    inquiry = helpdesk.get_inquiry(db, actor, inquiry_id)
    return _thread(request, db, actor, inquiry, sent=bool(sent))


@router.get("/portal/inquiries/access/{token}")
def inquiry_by_link(request: Request, token: str, db: Db, actor: OptionalActor) -> Response:
    """The thread of an anonymous inquiry, opened by the secret link given when it was sent."""
    inquiry = helpdesk.get_inquiry_by_token(db, token)
    return _thread(request, db, None, inquiry)


@router.post("/portal/inquiries/{inquiry_id}/messages", dependencies=[Depends(check_csrf)])
def reply(
    request: Request,
    inquiry_id: RowId,
    db: Db,
    actor: CurrentActor,
    body: Annotated[str, Form()] = "",
) -> Response:
    inquiry = helpdesk.get_inquiry(db, actor, inquiry_id)
    if not body.strip() or len(body) > 4000:
        errors = {"body": "本文を入力してください（4000文字以内）"}
        return _thread(request, db, actor, inquiry, 422, errors=errors, reply_body=body)
    helpdesk.post_message(db, actor, inquiry_id, body)
    return RedirectResponse(f"/portal/inquiries/{inquiry_id}#messages", status_code=303)


@router.post("/portal/inquiries/{inquiry_id}/faq", dependencies=[Depends(check_csrf)])
def promote(
    request: Request,
    inquiry_id: RowId,
    db: Db,
    actor: CurrentActor,
    question: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
) -> Response:
    require_operator(actor)
    try:
        entry = helpdesk.promote_to_faq(db, actor, inquiry_id, question=question, answer=answer)
    except helpdesk.FormInvalid as exc:
        inquiry = helpdesk.get_inquiry(db, actor, inquiry_id)
        form = {"question": question, "answer": answer}
        return _thread(request, db, actor, inquiry, 422, errors=exc.details, faq_form=form)
    return RedirectResponse(f"/portal/faq#faq-{entry.id}", status_code=303)


# --- FAQ ----------------------------------------------------------------------------------


@router.get("/portal/faq")
def faq_page(
    request: Request, db: Db, actor: OptionalActor, q: str = "", category: str = ""
) -> Response:
    cat = category if category in helpdesk.INQUIRY_CATEGORIES else ""
    return render(
        request,
        "helpdesk/faq.html",
        {
            "title": "よくある質問",
            "entries": helpdesk.search_faq(db, q.strip()[:100], cat or None),
            "q": q,
            "category": cat,
            "categories": helpdesk.INQUIRY_CATEGORIES,
        },
    )
