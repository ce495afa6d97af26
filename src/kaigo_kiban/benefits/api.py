"""``GET /api/v1/insured/{insured_no}/usage``: used and remaining allowances (thin).

Readers: staff (bearer token or session, as every API), and the person or their proxy with
the portal's session cookie. Each kind is authorised and audited; a proxy's scope is checked
first through the portal's gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from kaigo_kiban.accounts.actors import optional_actor, optional_person_actor
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.benefits import service
from kaigo_kiban.benefits.schemas import UsageResponse
from kaigo_kiban.core.errors import InvalidInput, Unauthenticated
from kaigo_kiban.http.deps import AppSettings, Db

router = APIRouter(prefix="/api/v1", tags=["住宅改修費・福祉用具購入費"])


def usage_reader(
    request: Request,
    db: Db,
    settings: AppSettings,
    staff: Annotated[Actor | None, Depends(optional_actor)],
) -> Actor:
    """A staff actor, else the portal's person actor, else 401."""
    actor = staff or optional_person_actor(request, db, settings)
    if actor is None:
        raise Unauthenticated("ログインしてください", code="AUTH-REQUIRED")
    return actor


@router.get(
    "/insured/{insured_no}/usage",
    response_model=UsageResponse,
    summary="住宅改修費・福祉用具購入費の利用額と残額 (支給限度基準額に対して)",
)
def get_usage(
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Annotated[Actor, Depends(usage_reader)],
    insurer_no: str | None = Query(None, description="保険者番号 (市町村・本人は省略可)"),
    as_of: dt.date | None = Query(None, description="基準日 (YYYY-MM-DD)。省略時は本日 (JST)"),
) -> UsageResponse:
    insurer = insurer_no or actor.insurer_no
    if insurer is None:
        raise InvalidInput("保険者番号 (insurer_no) を指定してください", code="BN-INSURER-REQUIRED")
    summary = service.usage_summary(
        db,
        settings,
        actor,
        insurer,
        insured_no,
        as_of=as_of,
    )
    return UsageResponse.of(summary)
