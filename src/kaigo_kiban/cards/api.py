"""Card lookups over JSON. Thin: parse, call the service (which authorises and audits), shape."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.cards import service
from kaigo_kiban.cards.schemas import CardsResponse, to_response
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http.deps import AppSettings, Db
from kaigo_kiban.readiness import service as readiness

router = APIRouter(prefix="/api/v1", tags=["被保険者証等"])


@router.get(
    "/insured/{insured_no}/cards",
    response_model=CardsResponse,
    summary="指定日に有効な被保険者証・負担割合証・負担限度額認定証・減免減額認定証",
    description="基準日 `as_of` に有効な4種類の証を返します (`history=true` で履歴も)。"
    "被保険者証を閲覧できない場合は 403 (`ACCESS-…`)、他の証だけ閲覧できない場合は"
    "その証の `denied` に理由を入れて返します。閲覧は証の種類ごとに監査ログに記録されます。"
    "`ETag` / `If-None-Match` に対応 (304 の場合も閲覧として記録されます)。",
)
def get_cards(
    insured_no: Annotated[str, Path(description="被保険者番号 (10桁)", examples=["0000000001"])],
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    as_of: dt.date | None = Query(None, description="基準日 (YYYY-MM-DD)。省略時は本日 (JST)"),
    insurer_no: str | None = Query(
        None, description="保険者番号 (市町村アカウントは省略可)", examples=["131016"]
    ),
    history: bool = Query(False, description="履歴も返す"),
) -> CardsResponse:
    insurer = insurer_no or actor.insurer_no
    if insurer is None:
        raise InvalidInput(
            "保険者番号 (insurer_no) を指定してください", code="CARDS-INSURER-REQUIRED"
        )
    day = as_of or today_jst()
    try:
        cards = service.read_cards(
            db, settings, actor, insurer, insured_no, day, with_history=history
        )
    except AccessDenied as denied:
        # A municipality that has not started sending is said so (of the insurer, found or not).
        notice = readiness.not_live_notice(db, insurer, day)
        if notice is not None:
            denied.details = {"insurer_not_live": notice.to_dict()}
        raise
    return to_response(insurer, insured_no, day, cards)
