"""The case API: progress lists, the change feed and webhooks. Thin: parse, call the service
(which passes the gate), shape. ``json_response`` and ``person_json`` shape the responses of
every certification router.

Response shapes are documented in docs/certification.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.cases import overview, progress, webhooks
from kaigo_kiban.certification.cases.schemas import WebhookIn
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.http.deps import MAX_ROW_ID, AppSettings, Db, RowId
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(prefix="/api/v1/certification", tags=["要介護認定"])


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
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
        return json_response(data)
    if actor.organization_kind == "office":
        rows = progress.office_cases(db, settings, actor)
        return json_response({"rows": [{**r, "person": person_json(r["person"])} for r in rows]})
    raise PermissionDenied("この一覧は表示できません", code="CT-CASES-LIST")


@router.get("/events", summary="担当利用者の認定の進捗の変化 (新しい順)")
def list_events(
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    since_id: int = Query(0, ge=0, le=MAX_ROW_ID, description="この event_id より後の変化だけ"),
    limit: int = Query(100, ge=1, le=500),
) -> JSONResponse:
    if actor.organization_kind != "office":
        raise PermissionDenied("事業所向けの通知です", code="CT-EVENTS-OFFICE")
    return json_response(
        {"events": progress.office_events(db, settings, actor, since_id=since_id, limit=limit)}
    )


@router.get("/webhooks", summary="通知先 (Webhook) の一覧")
def list_webhooks(db: Db, actor: CurrentActor) -> JSONResponse:
    subs = webhooks.list_subscriptions(db, actor)
    return json_response(
        {"webhooks": [{"id": s.id, "url": s.url, "created_at": s.created_at} for s in subs]}
    )


@router.post(
    "/webhooks", status_code=201, summary="通知先 (Webhook) の登録 (秘密鍵はこの応答でのみ返します)"
)
def create_webhook(
    body: WebhookIn, db: Db, settings: AppSettings, actor: CurrentActor
) -> JSONResponse:
    sub, secret = webhooks.subscribe(db, settings, actor, body.url)
    return json_response({"id": sub.id, "url": sub.url, "secret": secret}, 201)


@router.delete("/webhooks/{subscription_id}", status_code=204, summary="通知先の削除")
def delete_webhook(subscription_id: RowId, db: Db, actor: CurrentActor) -> Response:
    webhooks.unsubscribe(db, actor, subscription_id)
    return Response(status_code=204)
