"""The certification API. Thin: parse, call the service (which passes the gate), shape.

Response shapes are documented in docs/certification.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification import notices, opinions, overview, views, webhooks
from kaigo_kiban.certification import opinion_exchange as exchange
from kaigo_kiban.certification.models import PhysicianOpinion
from kaigo_kiban.certification.schemas import (
    AcceptIn,
    OpinionContentIn,
    OpinionRequestIn,
    PlanNoticeIn,
    ReturnIn,
    SignatureIn,
    SubmitIn,
    WebhookIn,
)
from kaigo_kiban.core.errors import InvalidInput, PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db, RowId
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(prefix="/api/v1/certification", tags=["要介護認定"])


def _json(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(data), status_code=status_code)


def person_json(person: InsuredPerson | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "insurer_no": person.insurer_no,
        "insured_no": person.insured_no,
        "name_kanji": person.name_kanji,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date,
        "sex": person.sex,
    }


def _insurer(actor: CurrentActor, insurer_no: str | None) -> str:
    insurer = insurer_no or actor.insurer_no
    if insurer is None:
        raise InvalidInput("保険者番号 (insurer_no) を指定してください", code="CT-INSURER-REQUIRED")
    return insurer


# --- progress ---------------------------------------------------------------------------------


@router.get("/cases", summary="認定の進捗一覧 (市町村: 自保険者の申請 / 事業所: 担当利用者)")
def list_cases(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    state: str | None = Query(None, description="状態で絞り込み (市町村のみ。省略時は進行中)"),
) -> JSONResponse:
    if actor.organization_kind == "municipality":
        data = overview.municipal_overview(db, settings, actor, state=state)
        data["rows"] = [{**r, "person": person_json(r["person"])} for r in data["rows"]]
        data["histogram"] = [
            {"label": b["label"], "count": b["count"], "over_norm": b["over_norm"]}
            for b in data["histogram"].bars
        ]
        return _json(data)
    if actor.organization_kind == "office":
        rows = views.office_cases(db, settings, actor)
        return _json({"rows": [{**r, "person": person_json(r["person"])} for r in rows]})
    raise PermissionDenied("この一覧は表示できません", code="CT-CASES-LIST")


@router.get(
    "/cases/{insured_no}",
    summary="被保険者の認定の進捗 (時系列・結果、許可される場合は認定調査と主治医意見書)",
)
def get_case(
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str | None = Query(None, description="保険者番号 (市町村は省略可)"),
    application_no: str | None = Query(None, description="申請番号 (省略時は最新の申請)"),
) -> JSONResponse:
    data = views.case_view(
        db, settings, actor, _insurer(actor, insurer_no), insured_no, application_no
    )
    data["person"] = person_json(data["person"])
    if isinstance(data["opinion"], dict) and "sections" in data["opinion"]:
        data["opinion"].pop("sections")
    return _json(data)


@router.get("/events", summary="担当利用者の認定の進捗の変化 (新しい順)")
def list_events(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    since_id: int = Query(0, ge=0, description="この event_id より後の変化だけ"),
    limit: int = Query(100, ge=1, le=500),
) -> JSONResponse:
    if actor.organization_kind != "office":
        raise PermissionDenied("事業所向けの通知です", code="CT-EVENTS-OFFICE")
    return _json(
        {"events": views.office_events(db, settings, actor, since_id=since_id, limit=limit)}
    )


@router.get("/webhooks", summary="通知先 (Webhook) の一覧")
def list_webhooks(db: Db, actor: CurrentActor) -> JSONResponse:
    subs = webhooks.list_subscriptions(db, actor)
    return _json(
        {"webhooks": [{"id": s.id, "url": s.url, "created_at": s.created_at} for s in subs]}
    )


@router.post(
    "/webhooks", status_code=201, summary="通知先 (Webhook) の登録 (秘密鍵はこの応答でのみ返します)"
)
def create_webhook(body: WebhookIn, db: Db, actor: CurrentActor) -> JSONResponse:
    sub, secret = webhooks.subscribe(db, actor, body.url)
    return _json({"id": sub.id, "url": sub.url, "secret": secret}, 201)


@router.delete("/webhooks/{subscription_id}", status_code=204, summary="通知先の削除")
def delete_webhook(subscription_id: RowId, db: Db, actor: CurrentActor) -> Response:
    webhooks.unsubscribe(db, actor, subscription_id)
    return Response(status_code=204)


# --- opinions ---------------------------------------------------------------------------------


def _request_json(row: opinions.RequestRow) -> dict[str, Any]:
    r = row.request
    return {
        "request_id": r.id,
        "insurer_no": r.insurer_no,
        "insured_no": r.insured_no,
        "application_no": r.application_no,
        "institution_code": r.institution_code,
        "doctor_name": r.doctor_name,
        "requested_on": r.requested_on,
        "due_on": r.due_on,
        "status": r.status,
        "person": person_json(row.person),
        "opinion_id": row.opinion.id if row.opinion else None,
        "opinion_status": row.opinion.status if row.opinion else None,
    }


@router.post("/opinion-requests", status_code=201, summary="主治医意見書作成依頼の登録 (市町村)")
def create_opinion_request(
    body: OpinionRequestIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    request = opinions.register_opinion_request(db, settings, actor, **body.model_dump())
    row = opinions.RequestRow(
        request, db.get(InsuredPerson, (request.insurer_no, request.insured_no)), None
    )
    return _json(_request_json(row), 201)


@router.get(
    "/opinion-requests", summary="主治医意見書作成依頼の一覧 (医療機関: 未提出 / 市町村: 全件)"
)
def list_opinion_requests(db: Db, settings: AppSettings, actor: CurrentActor) -> JSONResponse:
    if actor.organization_kind == "municipality":
        rows = opinions.municipal_requests(db, settings, actor)
    else:
        rows = opinions.clinic_requests(db, settings, actor)
    return _json({"requests": [_request_json(r) for r in rows]})


def _draft_json(opinion: PhysicianOpinion, problems: dict[str, str]) -> dict[str, Any]:
    return {
        "opinion_id": opinion.id,
        "request_id": opinion.request_id,
        "status": opinion.status,
        "updated_at": opinion.updated_at,
        "content": opinion.content,
        "problems": problems,
    }


@router.get("/opinion-requests/{request_id}", summary="依頼と意見書の下書き (医療機関)")
def get_opinion_request(
    request_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    row = opinions.clinic_request(db, settings, actor, request_id)
    data = _request_json(row)
    data["content"] = row.opinion.content if row.opinion else None
    return _json(data)


@router.put("/opinion-requests/{request_id}/draft", summary="意見書の下書き保存 (医療機関)")
def put_draft(
    request_id: RowId, body: OpinionContentIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion, problems = opinions.save_draft(db, settings, actor, request_id, body.content)
    return _json(_draft_json(opinion, problems))


@router.post(
    "/opinion-requests/{request_id}/submit",
    summary="意見書の提出 (医療機関)。誤りがあれば 422 で項目ごとの理由を返します",
)
def submit_opinion(
    request_id: RowId,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    body: SubmitIn | None = None,
) -> JSONResponse:
    opinion = opinions.submit(db, settings, actor, request_id, body.content if body else None)
    return _json(exchange.to_json(db, settings, opinion))


@router.get(
    "/opinions",
    summary="提出された主治医意見書の取得 (市町村システム向け、提出日時順)",
)
def pull_opinions(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    since: dt.datetime | None = Query(
        None, description="この日時より後に提出されたもの (ISO 8601、前回の next_since)"
    ),
    limit: int = Query(100, ge=1, le=500),
) -> JSONResponse:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    found, cursor = exchange.pull_submitted(db, settings, actor, since, limit=limit)
    return _json(
        {"opinions": found, "next_since": cursor or (since.isoformat() if since else None)}
    )


@router.get("/opinions/{opinion_id}", summary="主治医意見書 (提出済み)")
def get_opinion(
    opinion_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return _json(exchange.to_json(db, settings, opinion))


@router.get(
    "/opinions/{opinion_id}/canonical",
    summary="署名対象の正規化JSON (キー順、UTF-8)。このバイト列に署名します",
)
def get_canonical(
    opinion_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> Response:
    opinion = opinions.authored_opinion(db, settings, actor, opinion_id)
    return Response(opinions.canonical(opinion), media_type="application/json; charset=utf-8")


def _verification_json(opinion: PhysicianOpinion, check: exchange.Verification) -> dict[str, Any]:
    return {
        "opinion_id": opinion.id,
        "signed": check.signed,
        "valid": check.valid,
        "code": check.code,
        "message": check.message,
        "signer": check.signer,
        "received_at": opinion.signed_at,
    }


@router.put(
    "/opinions/{opinion_id}/signature",
    summary="医師の電子署名の添付 (提出後、1回のみ)。検証結果を返します",
)
def put_signature(
    opinion_id: RowId, body: SignatureIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion = exchange.attach_signature(
        db, settings, actor, opinion_id, body.signature, body.certificate_chain_pem
    )
    return _json(_verification_json(opinion, exchange.verify(settings, opinion)))


@router.get("/opinions/{opinion_id}/verification", summary="電子署名の検証 (現在の内容で)")
def get_verification(
    opinion_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return _json(_verification_json(opinion, exchange.verify(settings, opinion)))


# --- 居宅サービス計画作成依頼届出 ----------------------------------------------------------------


@router.post(
    "/plan-notices",
    status_code=201,
    summary="居宅サービス計画作成依頼届出の提出 (居宅介護支援事業所)",
)
def create_plan_notice(
    body: PlanNoticeIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    notice = notices.submit_notice(db, settings, actor, **body.model_dump())
    return _json(notices.notice_dict(notice), 201)


@router.get(
    "/plan-notices", summary="届出の一覧 (市町村: 受付箱・システム連携 / 事業所: 自事業所の届出)"
)
def list_plan_notices(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    status: str | None = Query(None, description="submitted | accepted | returned"),
    since_id: int = Query(0, ge=0, description="この notice_id より後だけ"),
    limit: int = Query(200, ge=1, le=1000),
) -> JSONResponse:
    rows = notices.list_notices(db, settings, actor, status=status, since_id=since_id, limit=limit)
    return _json({"notices": [notices.notice_dict(n, p) for n, p in rows]})


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
    return _json(notices.notice_dict(notice))


@router.post("/plan-notices/{notice_id}/return", summary="届出の返戻 (市町村、理由必須)")
def return_plan_notice(
    notice_id: RowId, body: ReturnIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    notice = notices.return_notice(db, settings, actor, notice_id, body.reason)
    return _json(notices.notice_dict(notice))
