"""The staff case file API (``GET …/cases/{insured_no}``). Thin: parse, call, shape."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.casefile.reading import case_view
from kaigo_kiban.certification.cases.api import json_response, person_json
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http.deps import AppSettings, Db

router = APIRouter(prefix="/api/v1/certification", tags=["要介護認定"])


def _insurer(actor: CurrentActor, insurer_no: str | None) -> str:
    insurer = insurer_no or actor.insurer_no
    if insurer is None:
        raise InvalidInput("保険者番号 (insurer_no) を指定してください", code="CT-INSURER-REQUIRED")
    return insurer


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
    data = case_view(db, settings, actor, _insurer(actor, insurer_no), insured_no, application_no)
    data["person"] = person_json(data["person"])
    if isinstance(data["opinion"], dict) and "sections" in data["opinion"]:
        data["opinion"].pop("sections")
    return json_response(data)
