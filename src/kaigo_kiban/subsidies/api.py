"""``/api/v1/portal/…``: subsidy applications as JSON (thin; the service decides).

Errors come back as ``{"error": {"code", "message", "details"}}`` with stable ``PTL-…`` codes
(``PT-…`` for the subsidy calculation's input checks).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.http.deps import AppSettings, Db, RowId
from kaigo_kiban.registry.models import Organization
from kaigo_kiban.subsidies import service
from kaigo_kiban.subsidies.models import SubsidyApplication
from kaigo_kiban.subsidies.rules import (
    DEFAULT_ROUNDS,
    ITEM_LABELS,
    STATUS_LABELS,
    ApplicationStatus,
    ItemKind,
    SubsidyRound,
    estimate_subsidy,
)
from kaigo_kiban.subsidies.schemas import (
    ApplicationCreateIn,
    ApplicationItemOut,
    ApplicationOut,
    ApplicationSummaryOut,
    EventOut,
    ReasonOut,
    ReceiptOut,
    SubsidyEstimateIn,
    SubsidyEstimateOut,
)

router = APIRouter(prefix="/api/v1/portal", tags=["介護情報基盤ポータル（助成金）"])


def subsidy_today() -> dt.date:
    """Today in Japan; a dependency so tests can fix the day the rounds are checked on."""
    return today_jst()


def subsidy_rounds() -> tuple[SubsidyRound, ...]:
    """The application rounds (a dependency so they can be replaced without code changes)."""
    return DEFAULT_ROUNDS


Today = Annotated[dt.date, Depends(subsidy_today)]
Rounds = Annotated[tuple[SubsidyRound, ...], Depends(subsidy_rounds)]


def writer(actor: CurrentActor, _csrf: Annotated[None, Depends(check_csrf)]) -> Actor:
    """A signed-in actor for a change; sign-in is checked before CSRF, so an API call without
    a token gets 401, and a cookie-based call must echo the CSRF token."""
    return actor


Writer = Annotated[Actor, Depends(writer)]


def summary_out(app: SubsidyApplication, org: Organization) -> ApplicationSummaryOut:
    return ApplicationSummaryOut(
        id=app.id,
        status=app.status,
        status_label=STATUS_LABELS[ApplicationStatus(app.status)],
        organization_code=org.code,
        organization_name=org.name,
        grant_yen=app.grant_yen,
        round_name=app.round_name,
        submitted_at=app.submitted_at,
        updated_at=app.updated_at,
    )


def application_out(session: Session, app: SubsidyApplication) -> ApplicationOut:
    org = session.get(Organization, app.organization_id)
    assert org is not None
    result = service.stored_result(app)
    return ApplicationOut(
        **summary_out(app, org).model_dump(),
        applicant_kind=app.applicant_kind,
        service_types=[t for t in app.service_types.split(",") if t],
        beds=app.beds,
        contact_name=app.contact_name,
        contact_phone=app.contact_phone,
        note=app.note,
        items=[
            ApplicationItemOut(
                kind=i.kind,
                kind_label=ITEM_LABELS.get(ItemKind(i.kind), i.kind),
                description=i.description,
                quantity=i.quantity,
                amount_yen=i.amount_yen,
            )
            for i in service.application_items(session, app)
        ],
        eligible_cost_yen=result.eligible_cost_yen,
        cap_yen=result.cap_yen,
        reasons=[ReasonOut(code=r.code, message=r.message) for r in result.reasons],
        receipts=[ReceiptOut.model_validate(r) for r in service.application_receipts(session, app)],
        decided_grant_yen=app.decided_grant_yen,
        decided_at=app.decided_at,
        decision_no=app.decision_no,
        paid_on=app.paid_on,
        history=[
            EventOut(
                occurred_at=e.occurred_at,
                action=e.action,
                action_label=service.EVENT_LABELS.get(e.action, e.action),
                from_status=e.from_status,
                to_status=e.to_status,
                actor_name=e.actor_name,
                organization_code=e.organization_code,
                comment=e.comment,
            )
            for e in service.application_history(session, app)
        ],
    )


@router.post(
    "/subsidy-estimate",
    response_model=SubsidyEstimateOut,
    summary="補助金額の試算（保存しません・ログイン不要）",
)
def subsidy_estimate(body: SubsidyEstimateIn) -> SubsidyEstimateOut:
    result = estimate_subsidy(
        body.applicant,
        [item.to_rule() for item in body.items],
        service_types=body.service_types,
        beds=body.beds,
    )
    return SubsidyEstimateOut.from_result(result)


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=201,
    summary="補助金の交付申請（下書き）を作成",
    description="介護事業所・医療機関のアカウントだけが作成できます。金額はその場で計算して返します。",
)
def create_application(body: ApplicationCreateIn, db: Db, actor: Writer) -> ApplicationOut:
    app = service.create_application(db, actor, body.inputs(), **body.details())
    return application_out(db, app)


@router.get(
    "/applications",
    response_model=list[ApplicationSummaryOut],
    summary="自分の組織の申請の一覧（運用担当者は全組織）",
)
def list_applications(
    db: Db, actor: CurrentActor, status: ApplicationStatus | None = None
) -> list[ApplicationSummaryOut]:
    rows = service.list_applications(db, actor, status.value if status else None)
    return [summary_out(app, org) for app, org in rows]


@router.get(
    "/applications/{app_id}",
    response_model=ApplicationOut,
    summary="申請の内容・計算結果・履歴",
    description="申請した組織と運用担当者だけが参照できます（それ以外は 404）。",
)
def get_application(app_id: RowId, db: Db, actor: CurrentActor) -> ApplicationOut:
    return application_out(db, service.get_application(db, actor, app_id))


@router.put(
    "/applications/{app_id}",
    response_model=ApplicationOut,
    summary="申請の明細を置き換える（下書き・差戻しのみ）",
)
def update_application(
    app_id: RowId, body: ApplicationCreateIn, db: Db, actor: Writer
) -> ApplicationOut:
    app = service.update_application(db, actor, app_id, body.inputs(), **body.details())
    return application_out(db, app)


@router.post(
    "/applications/{app_id}/receipts",
    response_model=ReceiptOut,
    status_code=201,
    summary="領収書を添付（PDF・PNG・JPEG、内容で判定）",
)
def add_receipt(
    app_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: Writer,
    file: Annotated[UploadFile, File(description="領収書のファイル")],
) -> ReceiptOut:
    receipt = service.add_receipt(
        db,
        actor,
        app_id,
        file.filename or "receipt",
        file.file,
        max_bytes=settings.upload_max_bytes,
    )
    return ReceiptOut.model_validate(receipt)


@router.post(
    "/applications/{app_id}/submit",
    response_model=ApplicationOut,
    summary="申請する（受付期間内のみ）",
    description="受付期間外は 409 `PTL-ROUND-CLOSED`、明細・領収書が足りない場合は 422 "
    "`PTL-INCOMPLETE` を返します。",
)
def submit_application(
    app_id: RowId, db: Db, actor: Writer, today: Today, rounds: Rounds
) -> ApplicationOut:
    app = service.submit_application(db, actor, app_id, today=today, rounds=rounds)
    return application_out(db, app)
