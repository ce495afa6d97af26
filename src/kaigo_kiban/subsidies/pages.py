"""Subsidy pages: applications, their receipts, the review steps and the decision letter.
Thin: parsing forms and rendering.

Every form works without JavaScript; with htmx the calculation is refreshed as the user types.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.errors import Conflict, KibanError
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render
from kaigo_kiban.registry.models import Organization
from kaigo_kiban.subsidies import review, service
from kaigo_kiban.subsidies.api import Rounds, Today
from kaigo_kiban.subsidies.models import SubsidyApplication
from kaigo_kiban.subsidies.rules import (
    EDITABLE_STATUSES,
    ITEM_LABELS,
    STATUS_LABELS,
    ApplicationAction,
    ApplicationStatus,
    ItemKind,
    Party,
    available_actions,
    open_round,
)

router = APIRouter(include_in_schema=False)

BLANK_ROWS = 2
OFFICE_KINDS = (ItemKind.CARD_READER, ItemKind.CONNECTION_SUPPORT, ItemKind.CAREPLAN_SETUP_SUPPORT)
MEDICAL_KINDS = (ItemKind.OPINION_SENDING,)


def _number(text: str) -> int | None:
    """A yen amount or quantity as typed: digits, optionally with commas, 円 or 台."""
    cleaned = text.strip().replace(",", "").replace("，", "").removesuffix("円").removesuffix("台")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return int(cleaned) if cleaned.isdigit() else None


def parse_items(
    kinds: list[str], quantities: list[str], amounts: list[str], descriptions: list[str]
) -> tuple[list[dict[str, str]], list[service.ItemInput], dict[str, str]]:
    """Form rows → (rows as typed, valid lines, errors by field id). Blank rows are dropped."""
    width = max(len(kinds), len(quantities), len(amounts), len(descriptions), 0)

    def cell(values: list[str], i: int) -> str:
        return values[i].strip() if i < len(values) else ""

    rows, items, errors = [], [], {}
    for i in range(width):
        row = {
            "kind": cell(kinds, i),
            "quantity": cell(quantities, i),
            "amount_yen": cell(amounts, i),
            "description": cell(descriptions, i),
        }
        if not any(row.values()):
            continue
        n = len(rows)
        rows.append(row)
        quantity, amount = _number(row["quantity"] or "1"), _number(row["amount_yen"])
        if row["kind"] not in {k.value for k in ItemKind}:
            errors[f"item-{n}-kind"] = f"{n + 1}行目: 経費の種類を選んでください"
        if quantity is None or quantity < 1:
            errors[f"item-{n}-quantity"] = f"{n + 1}行目: 数量は1以上の整数で入力してください"
        if amount is None:
            errors[f"item-{n}-amount_yen"] = (
                f"{n + 1}行目: 金額は0以上の整数（円・税込）で入力してください"
            )
        if len(row["description"]) > 200:
            errors[f"item-{n}-description"] = f"{n + 1}行目: 品名は200文字以内です"
        if not any(key.startswith(f"item-{n}-") for key in errors):
            items.append(
                service.ItemInput(row["kind"], quantity or 1, amount or 0, row["description"])
            )
    return rows, items, errors


def _rows_of(app: SubsidyApplication | None, db: Db) -> list[dict[str, str]]:
    if app is None:
        return []
    return [
        {
            "kind": i.kind,
            "quantity": str(i.quantity),
            "amount_yen": str(i.amount_yen),
            "description": i.description,
        }
        for i in service.application_items(db, app)
    ]


def _estimate(db: Db, actor: Actor, items: list[service.ItemInput], errors: dict[str, str]) -> Any:
    """The calculation for the form, or None when a line is wrong (the errors say why)."""
    if errors:
        return None
    try:
        return service.estimate_for(db, actor, items)
    except KibanError as exc:
        errors["items"] = exc.message
        return None


def _blank_rows(rows: list[dict[str, str]], added: bool) -> int:
    """Blank lines under the typed ones: a new form offers three (reader, ②, setup)."""
    return max(BLANK_ROWS, 3 - len(rows)) + added


def _form_context(
    db: Db,
    actor: Actor,
    *,
    app: SubsidyApplication | None,
    rows: list[dict[str, str]],
    errors: dict[str, str],
    estimate: Any,
    today: dt.date,
    rounds: Rounds,
    **extra: Any,
) -> dict[str, Any]:
    kinds = MEDICAL_KINDS if actor.organization_kind == "medical" else OFFICE_KINDS
    return {
        "title": f"申請 No.{app.id} の編集" if app else "補助金の申請（新規）",
        "app": app,
        "rows": rows + [{} for _ in range(_blank_rows(rows, extra.pop("added_row", False)))],
        "kinds": [(k.value, ITEM_LABELS[k]) for k in kinds],
        "errors": errors,
        "estimate": estimate,
        "current_round": open_round(today, rounds),
        "form": extra.pop("form", None)
        or {
            "contact_name": app.contact_name if app else actor.display_name,
            "contact_phone": app.contact_phone if app else "",
            "note": app.note if app else "",
        },
        **extra,
    }


@router.get("/portal/applications")
def applications_page(
    request: Request, db: Db, actor: CurrentActor, today: Today, rounds: Rounds, status: str = ""
) -> Response:
    rows = service.list_applications(db, actor, status or None)
    return render(
        request,
        "subsidies/applications.html",
        {
            "title": "補助金の申請",
            "rows": rows,
            "status": status,
            "statuses": STATUS_LABELS,
            "operator": service.party_of(actor) is Party.OPERATOR,
            "current_round": open_round(today, rounds),
            "rounds": rounds,
        },
    )


@router.get("/portal/applications/new")
def new_application_page(
    request: Request, db: Db, actor: CurrentActor, today: Today, rounds: Rounds
) -> Response:
    service.estimate_for(db, actor, [])  # refuses operators and municipalities up front
    ctx = _form_context(
        db, actor, app=None, rows=[], errors={}, estimate=None, today=today, rounds=rounds
    )
    return render(request, "subsidies/application_form.html", ctx)


@router.get("/portal/applications/estimate")
def estimate_fragment(
    request: Request,
    db: Db,
    actor: CurrentActor,
) -> Response:
    """The calculation panel alone, for htmx as the user edits (nothing is stored)."""
    params = request.query_params
    _, items, errors = parse_items(
        params.getlist("kind"),
        params.getlist("quantity"),
        params.getlist("amount_yen"),
        params.getlist("description"),
    )
    estimate = _estimate(db, actor, items, errors)
    return render(
        request, "subsidies/_estimate.html", {"estimate": estimate, "errors": errors, "live": True}
    )


class ItemsForm:
    """The application form's fields (a dependency, shared by create and update), parsed."""

    def __init__(
        self,
        kind: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default
        quantity: Annotated[list[str], Form()] = [],  # noqa: B006
        amount_yen: Annotated[list[str], Form()] = [],  # noqa: B006
        description: Annotated[list[str], Form()] = [],  # noqa: B006
        contact_name: Annotated[str, Form()] = "",
        contact_phone: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        op: Annotated[str, Form()] = "save",
    ) -> None:
        self.rows, self.items, self.errors = parse_items(kind, quantity, amount_yen, description)
        self.details = {"contact_name": contact_name, "contact_phone": contact_phone, "note": note}
        self.op = op

    @property
    def saving(self) -> bool:
        return self.op == "save" and not self.errors


Items = Annotated[ItemsForm, Depends()]


@router.post("/portal/applications", dependencies=[Depends(check_csrf)])
def create_application_form(
    request: Request, db: Db, actor: CurrentActor, today: Today, rounds: Rounds, form: Items
) -> Response:
    estimate = _estimate(db, actor, form.items, form.errors)
    if form.saving:
        app = service.create_application(db, actor, form.items, **form.details)
        return RedirectResponse(f"/portal/applications/{app.id}?saved=1", status_code=303)
    ctx = _form_context(
        db, actor, app=None, rows=form.rows, errors=form.errors, estimate=estimate, today=today,
        rounds=rounds, form=form.details, added_row=form.op == "add_row",
    )  # fmt: skip
    return render(request, "subsidies/application_form.html", ctx, 422 if form.errors else 200)


def _detail_context(
    db: Db, actor: Actor, app: SubsidyApplication, today: dt.date, rounds: Rounds, **extra: Any
) -> dict[str, Any]:
    party = service.party_of(actor)
    org = db.get(Organization, app.organization_id)
    status = ApplicationStatus(app.status)
    owner = party is Party.APPLICANT
    editable = owner and status in EDITABLE_STATUSES
    ctx: dict[str, Any] = {
        "title": f"補助金の申請 No.{app.id}",
        "app": app,
        "org": org,
        "status_label": STATUS_LABELS[status],
        "result": service.stored_result(app),
        "items": service.application_items(db, app),
        "item_labels": {k.value: v for k, v in ITEM_LABELS.items()},
        "receipts": service.application_receipts(db, app),
        "history": service.application_history(db, app),
        "event_labels": service.EVENT_LABELS,
        "statuses": STATUS_LABELS,
        "actions": available_actions(status, party) if party else (),
        "owner": owner,
        "operator": party is Party.OPERATOR,
        "editable": editable,
        "decided": status in (ApplicationStatus.DECIDED, ApplicationStatus.PAID),
        "current_round": open_round(today, rounds),
        "today": today,
        "action_errors": extra.pop("action_errors", {}),
    }
    if editable:
        rows = extra.pop("rows", None)
        form_ctx = _form_context(
            db, actor, app=app, rows=_rows_of(app, db) if rows is None else rows,
            errors=extra.pop("errors", {}), estimate=extra.pop("estimate", ctx["result"]),
            today=today, rounds=rounds, form=extra.pop("form", None),
            added_row=extra.pop("added_row", False),
        )  # fmt: skip
        form_ctx.pop("title")
        ctx.update(form_ctx)
    ctx.update(extra)
    return ctx


@router.get("/portal/applications/{app_id}")
def application_page(
    request: Request,
    app_id: RowId,
    db: Db,
    actor: CurrentActor,
    today: Today,
    rounds: Rounds,
    saved: str = "",
) -> Response:
    app = service.get_application(db, actor, app_id)
    ctx = _detail_context(db, actor, app, today, rounds, saved=bool(saved))
    return render(request, "subsidies/application.html", ctx)


@router.post("/portal/applications/{app_id}/items", dependencies=[Depends(check_csrf)])
def update_application_form(
    request: Request,
    app_id: RowId,
    db: Db,
    actor: CurrentActor,
    today: Today,
    rounds: Rounds,
    form: Items,
) -> Response:
    app = service.get_application(db, actor, app_id)
    estimate = _estimate(db, actor, form.items, form.errors)
    if form.saving:
        service.update_application(db, actor, app_id, form.items, **form.details)
        return RedirectResponse(f"/portal/applications/{app_id}?saved=1", status_code=303)
    ctx = _detail_context(
        db, actor, app, today, rounds, rows=form.rows, errors=form.errors, estimate=estimate,
        form=form.details, added_row=form.op == "add_row",
    )  # fmt: skip
    return render(request, "subsidies/application.html", ctx, 422 if form.errors else 200)


@router.post("/portal/applications/{app_id}/receipts", dependencies=[Depends(check_csrf)])
def upload_receipt(
    request: Request,
    app_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    today: Today,
    rounds: Rounds,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        if file is None or not file.filename:
            raise service.SubmissionIncomplete("添付するファイルを選んでください")
        service.add_receipt(
            db, actor, app_id, file.filename, file.file, max_bytes=settings.upload_max_bytes
        )
    except KibanError as exc:
        if exc.http_status == 404:
            raise
        app = service.get_application(db, actor, app_id)
        ctx = _detail_context(db, actor, app, today, rounds, receipt_error=exc.message)
        return render(request, "subsidies/application.html", ctx, exc.http_status)
    return RedirectResponse(f"/portal/applications/{app_id}#receipts", status_code=303)


@router.post(
    "/portal/applications/{app_id}/receipts/{receipt_id}/remove",
    dependencies=[Depends(check_csrf)],
)
def remove_receipt(app_id: RowId, receipt_id: RowId, db: Db, actor: CurrentActor) -> Response:
    service.remove_receipt(db, actor, app_id, receipt_id)
    return RedirectResponse(f"/portal/applications/{app_id}#receipts", status_code=303)


@router.get("/portal/applications/{app_id}/receipts/{receipt_id}")
def download_receipt(app_id: RowId, receipt_id: RowId, db: Db, actor: CurrentActor) -> Response:
    receipt = service.get_receipt(db, actor, app_id, receipt_id)
    # Served as an attachment with the type found from its bytes, never rendered inline.
    ascii_name = f"receipt-{receipt.id}." + receipt.media_type.rsplit("/", 1)[-1].replace(
        "jpeg", "jpg"
    )
    return Response(
        receipt.content,
        media_type=receipt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _run_action(
    db: Db,
    actor: Actor,
    app_id: RowId,
    action: str,
    *,
    comment: str,
    grant_yen: str,
    paid_on: str,
    today: dt.date,
    rounds: Rounds,
) -> None:
    if action == ApplicationAction.SUBMIT:
        service.submit_application(db, actor, app_id, today=today, rounds=rounds)
    elif action == ApplicationAction.START_REVIEW:
        review.start_review(db, actor, app_id, comment)
    elif action == ApplicationAction.RETURN:
        review.return_application(db, actor, app_id, comment)
    elif action == ApplicationAction.DECIDE:
        amount = _number(grant_yen) if grant_yen.strip() else None
        if grant_yen.strip() and amount is None:
            raise service.DecisionInvalid("交付決定額は0以上の整数（円）で入力してください")
        review.decide_application(db, actor, app_id, grant_yen=amount, comment=comment)
    elif action == ApplicationAction.PAY:
        try:
            day = dt.date.fromisoformat(paid_on) if paid_on else today
        except ValueError:
            raise service.DecisionInvalid("支払日を正しく入力してください") from None
        review.record_payment(db, actor, app_id, day, comment)
    else:
        raise Conflict("不明な操作です", code="PTL-TRANSITION-NOT-ALLOWED")


@router.post("/portal/applications/{app_id}/actions", dependencies=[Depends(check_csrf)])
def application_action(
    request: Request,
    app_id: RowId,
    db: Db,
    actor: CurrentActor,
    today: Today,
    rounds: Rounds,
    action: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    grant_yen: Annotated[str, Form()] = "",
    paid_on: Annotated[str, Form()] = "",
) -> Response:
    """Submit (applicant) or review steps (operator); a refusal is shown on the page."""
    try:
        _run_action(
            db, actor, app_id, action, comment=comment, grant_yen=grant_yen, paid_on=paid_on,
            today=today, rounds=rounds,
        )  # fmt: skip
    except KibanError as exc:
        if exc.http_status == 404:
            raise
        db.rollback()
        app = service.get_application(db, actor, app_id)
        ctx = _detail_context(
            db, actor, app, today, rounds, action_error=exc, action_errors={action: exc.message},
            action_form={"comment": comment, "grant_yen": grant_yen, "paid_on": paid_on},
        )  # fmt: skip
        return render(request, "subsidies/application.html", ctx, exc.http_status)
    return RedirectResponse(f"/portal/applications/{app_id}?done={action}", status_code=303)


@router.post("/portal/applications/{app_id}/comments", dependencies=[Depends(check_csrf)])
def application_comment(
    app_id: RowId, db: Db, actor: CurrentActor, comment: Annotated[str, Form()] = ""
) -> Response:
    service.add_comment(db, actor, app_id, comment)
    return RedirectResponse(f"/portal/applications/{app_id}#history", status_code=303)


@router.get("/portal/applications/{app_id}/decision")
def decision_letter(request: Request, app_id: RowId, db: Db, actor: CurrentActor) -> Response:
    """交付決定通知書 (printable)."""
    app = service.get_application(db, actor, app_id)
    if app.status not in (ApplicationStatus.DECIDED, ApplicationStatus.PAID):
        raise Conflict(
            "交付決定前の申請のため、交付決定通知書はまだありません", code="PTL-NOT-DECIDED"
        )
    history = service.application_history(db, app)
    decided = next(e for e in reversed(history) if e.action == ApplicationAction.DECIDE)
    submitted = next((e for e in history if e.action == ApplicationAction.SUBMIT), None)
    return render(
        request,
        "subsidies/decision.html",
        {
            "title": f"交付決定通知書（申請 No.{app.id}）",
            "app": app,
            "org": db.get(Organization, app.organization_id),
            "result": service.stored_result(app),
            "items": service.application_items(db, app),
            "item_labels": {k.value: v for k, v in ITEM_LABELS.items()},
            "decided": decided,
            "submitted": submitted,
        },
    )
