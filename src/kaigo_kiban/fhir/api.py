"""``/fhir``: a read-only FHIR R4 façade. Thin: parse, call ``fhir.service``, wrap in a Bundle.

Errors come back as ``OperationOutcome`` with the stable code in ``issue.details.coding``.
Search results are paged with ``_count`` and an opaque ``_page`` cursor (``link`` next).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import Response

from kaigo_kiban.accounts.actors import StaffOrPerson
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.fhir import rules, service
from kaigo_kiban.http.deps import AppSettings, Db
from kaigo_kiban.http.paging import MAX_LIMIT, PageRequest
from kaigo_kiban.http.rules import CursorCodec

PATIENT_PARAM = rules.SearchParam(
    "patient", "reference", "Patient/<保険者番号>-<被保険者番号> (必須)"
)
SUPPORTED = [
    rules.ResourceSupport(
        "Patient",
        True,
        (
            rules.SearchParam(
                "identifier",
                "token",
                f"被保険者番号: {rules.SID_INSURED_NO}/<保険者番号>|<被保険者番号>、または番号のみ",
            ),
            rules.SearchParam("birthdate", "date", "生年月日 (YYYY-MM-DD) で絞り込み"),
        ),
        "被保険者 (被保険者証の氏名・生年月日・性別・住所)",
    ),
    rules.ResourceSupport(
        "Coverage",
        True,
        (
            rules.SearchParam("beneficiary", "reference", "Patient/<id> (patient と同じ)"),
            PATIENT_PARAM,
            rules.SearchParam(
                "date", "date", "この日に有効な被保険者証 (YYYY-MM-DD)。省略時は全履歴"
            ),
        ),
        "被保険者証 (履歴番号ごと)。要介護状態区分、有効期間、保険者、負担割合証の負担割合",
    ),
    rules.ResourceSupport(
        "Organization",
        True,
        (
            rules.SearchParam("identifier", "token", "保険者番号・事業所番号・医療機関コード"),
            rules.SearchParam("name", "string", "名称 (部分一致)"),
        ),
        "保険者、介護サービス事業所、医療機関、市町村の担当課",
    ),
    rules.ResourceSupport("Consent", True, (PATIENT_PARAM,), "包括同意"),
    rules.ResourceSupport(
        "AuditEvent",
        True,
        (
            PATIENT_PARAM,
            rules.SearchParam(
                "date", "date", "記録日 (ge2026-04-01 など、複数指定可。日は日本時間)"
            ),
        ),
        "閲覧履歴 (本人と保険者のみ)。IHE BALP の患者情報読取イベントの形",
    ),
]
SUPPORTED += [
    rules.ResourceSupport("Observation", False, (PATIENT_PARAM,), "LIFE の Barthel Index 合計点"),
    rules.ResourceSupport(
        "DocumentReference", False, (PATIENT_PARAM,), "本人に交付されたケアプラン"
    ),
]

_RESOURCE_SCHEMA = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}},
}
_OUTCOME_SCHEMA = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {"type": "array", "items": {"type": "object"}},
    },
}


def _responses(ok: str, *, public: bool = False) -> dict[int | str, dict[str, Any]]:
    errors = {400: "検索条件の誤り", 404: "見つかりません", 422: "パラメータの形式の誤り"}
    if not public:
        errors |= {401: "認証が必要", 403: "閲覧権限がありません (監査ログに記録)"}
    return {
        200: {"description": ok, "content": {rules.MEDIA_TYPE: {"schema": _RESOURCE_SCHEMA}}},
        **{
            status: {
                "description": f"OperationOutcome: {text}",
                "content": {rules.MEDIA_TYPE: {"schema": _OUTCOME_SCHEMA}},
            }
            for status, text in errors.items()
        },
    }


class FhirResponse(JSONResponse):
    media_type = rules.MEDIA_TYPE


def outcome_response(status: int, *, code: str, message: str, details: Any = None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return FhirResponse(
        rules.operation_outcome(status, code, message, details), status_code=status, headers=headers
    )


class FhirRoute(APIRoute):
    """Turns domain and validation errors into OperationOutcome (after the unit of work has
    committed a denial's audit row)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except KibanError as exc:
                return outcome_response(
                    exc.http_status, code=exc.code, message=exc.message, details=exc.details
                )
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return outcome_response(
                    422, code="KK-INVALID", message="入力内容に誤りがあります", details=problems
                )

        return route


router = APIRouter(prefix="/fhir", tags=["FHIR"], route_class=FhirRoute)


def fhir_paging(
    request: Request,
    settings: AppSettings,
    count: int = Query(50, alias="_count", ge=1, le=1000, description="1ページの件数 (最大200)"),
    page: str | None = Query(
        None, alias="_page", max_length=2048, description="次のページ (link next の値)"
    ),
) -> PageRequest:
    codec = CursorCodec(settings.resolved_secret())
    scope = request.url.path
    return PageRequest(
        min(count, MAX_LIMIT), codec.decode(scope, page) if page else None, scope, codec
    )


FhirPaging = Annotated[PageRequest, Depends(fhir_paging)]
Reader = Callable[[Session, Settings, Actor, str], dict[str, Any]]
PatientSearch = Callable[[Session, Settings, Actor, str | None], list[service.Found]]


def patient_query() -> Any:
    """A fresh ``Query`` per parameter (FastAPI stores the parameter name in it)."""
    return Query(
        None,
        max_length=200,
        description="Patient/<保険者番号>-<被保険者番号>",
        examples=["Patient/131016-0000000001"],
    )


SEARCH: dict[str, Any] = {
    "response_class": FhirResponse,
    "responses": _responses("Bundle (searchset)"),
}


def _software_version() -> str:
    try:
        return version("kaigo-kiban")
    except PackageNotFoundError:
        return "0"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _bundle(request: Request, page: PageRequest, found: list[service.Found]) -> Response:
    items, cursor = page.slice(found, key=lambda f: f[0])
    next_url = str(request.url.include_query_params(_page=cursor)) if cursor else None
    body = rules.searchset(
        [resource for _, resource in items], _base(request), str(request.url), next_url, len(found)
    )
    return FhirResponse(body)


@router.get(
    "/metadata",
    summary="CapabilityStatement (この FHIR サーバの機能。認証不要)",
    response_class=FhirResponse,
    responses=_responses("CapabilityStatement", public=True),
)
def metadata(request: Request) -> Response:
    return FhirResponse(
        rules.capability_statement(SUPPORTED, _base(request), _software_version(), today_jst())
    )


@router.get(
    "/Patient",
    summary="Patient の検索 (被保険者番号)",
    **SEARCH,
)
def search_patient(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: StaffOrPerson,
    page: FhirPaging,
    identifier: str | None = Query(
        None,
        max_length=200,
        description="<system>|<被保険者番号> または被保険者番号",
        examples=[f"{rules.SID_INSURED_NO}/131016|0000000001"],
    ),
    birthdate: dt.date | None = Query(None, description="生年月日 (YYYY-MM-DD)"),
) -> Response:
    found = service.search_patients(db, settings, actor, identifier, birthdate)
    return _bundle(request, page, found)


@router.get(
    "/Coverage",
    summary="Coverage (被保険者証) の検索: beneficiary と date (有効日)",
    **SEARCH,
)
def search_coverage(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: StaffOrPerson,
    page: FhirPaging,
    beneficiary: str | None = patient_query(),
    patient: str | None = patient_query(),
    date: str | None = Query(
        None, max_length=20, description="この日に有効な証 (YYYY-MM-DD)", examples=["2026-04-01"]
    ),
) -> Response:
    found = service.search_coverages(
        db, settings, actor, beneficiary or patient, rules.parse_day(date)
    )
    return _bundle(request, page, found)


@router.get(
    "/Organization",
    summary="Organization (保険者・事業所・医療機関) の検索",
    **SEARCH,
)
def search_organization(
    request: Request,
    db: Db,
    actor: StaffOrPerson,
    page: FhirPaging,
    identifier: str | None = Query(
        None, max_length=200, description="<system>|<番号>", examples=["1310000011"]
    ),
    name: str | None = Query(
        None, max_length=100, description="名称 (部分一致)", examples=["千代田"]
    ),
) -> Response:
    return _bundle(request, page, service.search_organizations(db, identifier, name))


@router.get(
    "/AuditEvent",
    summary="AuditEvent (閲覧履歴) の検索: patient と date",
    description="本人と保険者 (市町村) が、誰がいつどの情報を閲覧したかを確認できます。"
    "この検索自体も閲覧履歴に記録されます。",
    **SEARCH,
)
def search_audit_event(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: StaffOrPerson,
    page: FhirPaging,
    patient: str | None = patient_query(),
    date: list[str] = Query(
        [], description="ge2026-04-01, lt2026-05 など (複数指定可)", examples=[["ge2026-04-01"]]
    ),
) -> Response:
    found = service.search_audit_events(db, settings, actor, patient, date)
    return _bundle(request, page, found)


def _read_route(resource_type: str, summary: str, example: str, read: Reader) -> None:
    """``GET /fhir/<type>/<id>``: one resource (the service authorises and audits)."""

    def read_resource(
        db: Db,
        settings: AppSettings,
        actor: StaffOrPerson,
        resource_id: str = Path(description="論理 id", examples=[example]),
    ) -> Response:
        return FhirResponse(read(db, settings, actor, resource_id))

    router.add_api_route(
        f"/{resource_type}/{{resource_id}}",
        read_resource,
        methods=["GET"],
        name=f"read_{resource_type}",
        summary=summary,
        response_class=FhirResponse,
        responses=_responses(resource_type),
    )


def _patient_search_route(resource_type: str, summary: str, search: PatientSearch) -> None:
    """``GET /fhir/<type>?patient=…``: a person's resources of one type."""

    def search_resources(
        request: Request,
        db: Db,
        settings: AppSettings,
        actor: StaffOrPerson,
        page: FhirPaging,
        patient: str | None = patient_query(),
    ) -> Response:
        return _bundle(request, page, search(db, settings, actor, patient))

    router.add_api_route(
        f"/{resource_type}",
        search_resources,
        methods=["GET"],
        name=f"search_{resource_type}",
        summary=summary,
        **SEARCH,
    )


_read_route(
    "Patient",
    "Patient の取得 (id = <保険者番号>-<被保険者番号>)",
    "131016-0000000001",
    service.read_patient,
)
_read_route(
    "Coverage",
    "Coverage の取得 (id = <保険者番号>-<被保険者番号>-<履歴番号>)",
    "131016-0000000001-1",
    service.read_coverage,
)
_read_route(
    "Organization",
    "Organization の取得 (id = insurer-<保険者番号>, office-<事業所番号> など)",
    "insurer-131016",
    lambda db, _settings, _actor, resource_id: service.read_organization(db, resource_id),
)
_read_route("Consent", "Consent の取得", "1", service.read_consent)
_read_route("AuditEvent", "AuditEvent の取得", "1", service.read_audit_event)
_patient_search_route("Consent", "Consent (包括同意) の検索", service.search_consents)
_patient_search_route(
    "Observation", "Observation (LIFE の Barthel Index) の検索", service.search_barthel
)
_patient_search_route(
    "DocumentReference",
    "DocumentReference (交付されたケアプラン) の検索",
    service.search_care_plan_documents,
)


@router.get("/{rest:path}", include_in_schema=False)
def unknown(rest: str) -> Response:
    return outcome_response(
        404,
        code="FHIR-NOT-SUPPORTED",
        message=f"この FHIR サーバは {rest[:60]} に対応していません",
    )
