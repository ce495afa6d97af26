"""Care-plan exchange pages for care managers and service offices (thin; Japanese).

``/careplan/mailbox`` (received / sent tabs, month and status filters), ``/careplan/send``
(upload with the validation result), ``/careplan/files/{id}`` (the file laid out like the
paper form, with the limit check), its download and the 取込済 / 交付 actions. Every form
works without JavaScript; htmx only swaps the list or the result in place.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.careplan import delivery
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan import mailbox as mailboxes
from kaigo_kiban.careplan.api import attachment, read_upload
from kaigo_kiban.careplan.codec.formats import read_careplan
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.codec.sheets import build_sheets
from kaigo_kiban.careplan.delivery import PLAN_OFFICE_TYPES, delivered_persons
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core.database import abandon
from kaigo_kiban.core.errors import FileRejected, KibanError
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render

router = APIRouter(include_in_schema=False)

STATUS_CHOICES = [
    ("", "すべて"),
    *ex.STATUS_LABELS.items(),
    *((k, v) for k, v in ex.STATE_LABELS.items() if k != ex.ACTIVE),
]
TABS = {"received": "受信したファイル", "sent": "送信したファイル"}
DONE = {"imported": "取込済にしました。", "delivered": "本人への交付を記録しました。"}


def _month(value: str | None) -> str | None:
    """``YYYY-MM`` (input type=month) or ``YYYYMM``; anything else is ignored."""
    text = (value or "").replace("-", "").strip()
    return text if len(text) == 6 and text.isdigit() else None


def _common(actor: CurrentActor, **extra: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "status_labels": ex.STATUS_LABELS,
        "state_labels": ex.STATE_LABELS,
        "service_type_names": SERVICE_TYPE_NAMES,
        "layouts": LAYOUTS,
        **extra,
    }


@router.get("/careplan/mailbox")
def mailbox(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    tab: str = "received",
    month: str | None = Query(None),
    status: str | None = Query(None),
) -> Response:
    tab = tab if tab in TABS else "received"
    chosen = _month(month)
    status = status if status in dict(STATUS_CHOICES) else ""
    views = mailboxes.list_mailbox(db, settings, actor, tab, month=chosen, status=status or None)
    context = _common(
        actor,
        title="ケアプラン連携",
        tab=tab,
        tabs=TABS,
        month=f"{chosen[:4]}-{chosen[4:]}" if chosen else "",
        status=status,
        status_choices=STATUS_CHOICES,
        views=views,
    )
    return render(request, "careplan/mailbox.html", context)


@router.get("/careplan/send")
def send_form(request: Request, actor: CurrentActor) -> Response:
    ex.require_office(actor)
    return render(request, "careplan/send.html", _common(actor, title="ケアプランファイルの送信"))


@router.post("/careplan/send", dependencies=[Depends(check_csrf)])
async def send(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    file: Annotated[UploadFile, File()],
) -> Response:
    context = _common(actor, title="ケアプランファイルの送信", file_name=file.filename or "")
    status = 201
    try:
        name, data = await read_upload(file, settings)
        context["result"] = mailboxes.send_file(db, settings, actor, data, name)
    except KibanError as error:
        abandon(db)  # nothing of a refused send is kept but its denials' audit rows
        context["error"] = error
        context["problems"] = error.errors if isinstance(error, FileRejected) else []
        status = error.http_status
    if request.headers.get("hx-request") == "true":
        status = 200  # htmx swaps only 2xx answers; the result block carries the outcome
    return render(request, "careplan/send.html", context, status_code=status)


@router.get("/careplan/files/{transfer_id}")
def preview(
    request: Request,
    transfer_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    done: str | None = None,
) -> Response:
    view = mailboxes.open_transfer(db, settings, actor, transfer_id)
    transfer = view.transfer
    parsed = read_careplan(transfer.content, transfer.file_name)
    sheets = build_sheets(parsed, default_service_codes())
    limits = {(p.insurer_no, p.insured_no): p for p in view.persons if p.total_units is not None}
    is_sender = actor.organization_id == transfer.sender_org_id
    context = _common(
        actor,
        title=LAYOUTS[transfer.record_type].name_ja,
        view=view,
        transfer=transfer,
        sheets=sheets,
        limits=limits,
        layout=LAYOUTS[transfer.record_type],
        done=DONE.get(done or ""),
        can_import=actor.organization_id == transfer.receiver_org_id
        and transfer.state == ex.ACTIVE
        and transfer.status != ex.IMPORTED,
        can_deliver=is_sender
        and transfer.record_type in ex.PLAN_TYPES
        and transfer.sender_service_type in PLAN_OFFICE_TYPES
        and transfer.state == ex.ACTIVE,
        delivered=delivered_persons(db, transfer.id) if is_sender else set(),
    )
    return render(request, "careplan/file.html", context)


@router.get("/careplan/files/{transfer_id}/download")
def download(transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    name, data = mailboxes.read_content(db, settings, actor, transfer_id)
    return attachment(name, data)


@router.post("/careplan/files/{transfer_id}/imported", dependencies=[Depends(check_csrf)])
def imported(transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    mailboxes.mark_imported(db, settings, actor, transfer_id)
    return RedirectResponse(f"/careplan/files/{transfer_id}?done=imported", status_code=303)


@router.post("/careplan/files/{transfer_id}/delivered", dependencies=[Depends(check_csrf)])
def delivered(transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    delivery.mark_delivered(db, settings, actor, transfer_id)
    return RedirectResponse(f"/careplan/files/{transfer_id}?done=delivered", status_code=303)
