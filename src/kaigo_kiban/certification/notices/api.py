"""The 居宅サービス計画作成依頼届出 API. Thin: parse, call the service (which passes the gate),
shape. Response shapes are documented in docs/certification.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.cases.api import json_response
from kaigo_kiban.certification.notices import service as notices
from kaigo_kiban.certification.notices.schemas import AcceptIn, PlanNoticeIn, ReturnIn
from kaigo_kiban.http.deps import MAX_ROW_ID, AppSettings, Db, RowId

router = APIRouter(prefix="/api/v1/certification", tags=["要介護認定"])


@router.post(
    "/plan-notices",
    status_code=201,
    summary="居宅サービス計画作成依頼届出の提出 (居宅介護支援事業所)",
)
def create_plan_notice(
    body: PlanNoticeIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    notice = notices.submit_notice(db, settings, actor, **body.model_dump())
    return json_response(notices.notice_dict(notice), 201)


@router.get(
    "/plan-notices", summary="届出の一覧 (市町村: 受付箱・システム連携 / 事業所: 自事業所の届出)"
)
def list_plan_notices(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    status: str | None = Query(None, description="submitted | accepted | returned"),
    since_id: int = Query(0, ge=0, le=MAX_ROW_ID, description="この notice_id より後だけ"),
    limit: int = Query(200, ge=1, le=1000),
) -> JSONResponse:
    rows = notices.list_notices(db, settings, actor, status=status, since_id=since_id, limit=limit)
    return json_response({"notices": [notices.notice_dict(n, p) for n, p in rows]})


@router.post(
    "/plan-notices/{notice_id}/accept", summary="届出の受理 (市町村)。被保険者証に反映します"
)
def accept_plan_notice(
    notice_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    body: AcceptIn | None = None,
) -> JSONResponse:
    notice = notices.accept_notice(
        db, settings, actor, notice_id, notified_on=body.notified_on if body else None
    )
    return json_response(notices.notice_dict(notice))


@router.post("/plan-notices/{notice_id}/return", summary="届出の返戻 (市町村、理由必須)")
def return_plan_notice(
    notice_id: RowId, body: ReturnIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    notice = notices.return_notice(db, settings, actor, notice_id, body.reason)
    return json_response(notices.notice_dict(notice))
