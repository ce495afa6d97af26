"""The 主治医意見書 API: requests, drafts and submission, signatures and the municipal pull. Thin:
parse, call the service (which passes the gate), shape. Response shapes are documented in
docs/certification.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.cases.api import json_response, person_json
from kaigo_kiban.certification.opinions import exchange
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.certification.opinions.models import PhysicianOpinion
from kaigo_kiban.certification.opinions.schemas import (
    OpinionContentIn,
    OpinionRequestIn,
    SignatureIn,
    SubmitIn,
)
from kaigo_kiban.http.deps import AppSettings, Db, RowId
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(prefix="/api/v1/certification", tags=["要介護認定"])


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
    return json_response(_request_json(row), 201)


@router.get(
    "/opinion-requests", summary="主治医意見書作成依頼の一覧 (医療機関: 未提出 / 市町村: 全件)"
)
def list_opinion_requests(db: Db, settings: AppSettings, actor: CurrentActor) -> JSONResponse:
    if actor.organization_kind == "municipality":
        rows = opinions.municipal_requests(db, settings, actor)
    else:
        rows = opinions.clinic_requests(db, settings, actor)
    return json_response({"requests": [_request_json(r) for r in rows]})


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
    return json_response(data)


@router.put("/opinion-requests/{request_id}/draft", summary="意見書の下書き保存 (医療機関)")
def put_draft(
    request_id: RowId, body: OpinionContentIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion, problems = opinions.save_draft(db, settings, actor, request_id, body.content)
    return json_response(_draft_json(opinion, problems))


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
    return json_response(exchange.to_json(db, settings, opinion))


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
    return json_response(
        {"opinions": found, "next_since": cursor or (since.isoformat() if since else None)}
    )


@router.get("/opinions/{opinion_id}", summary="主治医意見書 (提出済み)")
def get_opinion(
    opinion_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return json_response(exchange.to_json(db, settings, opinion))


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
    return json_response(_verification_json(opinion, exchange.verify(settings, opinion)))


@router.get("/opinions/{opinion_id}/verification", summary="電子署名の検証 (現在の内容で)")
def get_verification(
    opinion_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    opinion = opinions.read_opinion(db, settings, actor, opinion_id)
    return json_response(_verification_json(opinion, exchange.verify(settings, opinion)))
