"""``create_app(settings)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from kaigo_kiban.access import api as access_api
from kaigo_kiban.access import pages as access_pages
from kaigo_kiban.accounts import api as accounts_api
from kaigo_kiban.accounts import pages as accounts_pages
from kaigo_kiban.accounts.actors import idempotency_owner
from kaigo_kiban.app.demo import walkthrough as demo_walkthrough
from kaigo_kiban.app.demo.person import demo_cards_dir
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.app.navigation import template_filters, template_globals
from kaigo_kiban.benefits import api as benefits_api
from kaigo_kiban.benefits import pages as benefits_pages
from kaigo_kiban.cards import api as cards_api
from kaigo_kiban.cards import pages as cards_pages
from kaigo_kiban.careplan import api as careplan_api
from kaigo_kiban.careplan import pages as careplan_pages
from kaigo_kiban.certification.casefile import api as certification_casefile_api
from kaigo_kiban.certification.casefile import pages as certification_casefile_pages
from kaigo_kiban.certification.cases import api as certification_cases_api
from kaigo_kiban.certification.cases import pages as certification_cases_pages
from kaigo_kiban.certification.notices import api as certification_notices_api
from kaigo_kiban.certification.notices import pages as certification_notices_pages
from kaigo_kiban.certification.opinions import api as certification_opinions_api
from kaigo_kiban.certification.opinions import pages as certification_opinions_pages
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate
from kaigo_kiban.core.errors import KibanError, Unauthenticated
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.fhir import api as fhir_api
from kaigo_kiban.helpdesk import pages as helpdesk_pages
from kaigo_kiban.homes import pages as home
from kaigo_kiban.http import middleware as api_http
from kaigo_kiban.http import openapi as api_openapi
from kaigo_kiban.http.deps import render
from kaigo_kiban.http.templating import PACKAGE_DIR, make_templates
from kaigo_kiban.identity import api as identity_api
from kaigo_kiban.identity import pages as identity_pages
from kaigo_kiban.ingest import api as ingest_api
from kaigo_kiban.ingest import pages as ingest_pages
from kaigo_kiban.life import api as life_api
from kaigo_kiban.life import pages as life_pages
from kaigo_kiban.person import api as person_api
from kaigo_kiban.person import pages as person_pages
from kaigo_kiban.person import settings_pages as person_settings_pages
from kaigo_kiban.readiness import pages as readiness_pages
from kaigo_kiban.subsidies import api as subsidies_api
from kaigo_kiban.subsidies import pages as subsidies_pages

API_PREFIXES = ("/api/", "/fhir")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES) or "application/json" in request.headers.get(
        "accept", ""
    )


def create_app(settings: Settings, *, migrate_db: bool = True) -> FastAPI:
    app = FastAPI(
        title="kaigo-kiban API",
        version="1.0.0",
        description='介護情報基盤 (kaigo-kiban) の API。業務エラーは `{"error": {"code", "message", "details"}}` で返します。',
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    engine = make_engine(settings)
    if migrate_db:
        migrate(engine)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.ingest_kinds = KINDS
    app.state.demo_cards_dir = demo_cards_dir(settings)  # the person sign-in's demo cards
    app.state.templates = make_templates(filters=template_filters(), globals=template_globals())

    @app.exception_handler(KibanError)
    async def domain_error(request: Request, exc: KibanError) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)
        if isinstance(exc, Unauthenticated) and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return render(request, "error.html", {"error": exc}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg"),
                "value": str(e.get("input"))[:100],
            }
            for e in exc.errors()
        ]
        body = {
            "error": {
                "code": "KK-INVALID",
                "message": "入力内容に誤りがあります",
                "details": details,
            }
        }
        return JSONResponse(body, status_code=422)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=str(PACKAGE_DIR / "http" / "static")), name="static")
    for router in (
        home.router,
        demo_walkthrough.router,
        accounts_pages.router,
        accounts_api.router,
        ingest_pages.router,
        cards_api.router,
        ingest_api.router,
        cards_pages.router,
        access_api.router,
        access_pages.router,
        identity_api.router,
        identity_pages.router,
        careplan_api.router,
        careplan_pages.router,
        subsidies_api.router,
        subsidies_pages.router,
        readiness_pages.router,
        helpdesk_pages.router,
        certification_cases_api.router,
        certification_casefile_api.router,
        certification_opinions_api.router,
        certification_notices_api.router,
        certification_cases_pages.router,  # before casefile: /office/certifications/updates
        certification_casefile_pages.router,
        certification_opinions_pages.router,
        certification_notices_pages.router,
        person_api.router,
        person_pages.router,
        person_settings_pages.router,
        benefits_api.router,
        benefits_pages.router,
        life_api.router,
        life_pages.router,
        fhir_api.router,
    ):
        app.include_router(router)
    api_http.install(
        app, owner=idempotency_owner
    )  # ETag on reads, Idempotency-Key on writes (/api/v1)
    api_openapi.install(app)
    return app
