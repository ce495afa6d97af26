"""Every route is classified; every route that returns personal data writes an audit event.

The list of routes comes from the app's route table, so a new route fails this test until it is
classified here — a personal-data route cannot slip past the audit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from kaigo_kiban.access import service as access
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.factories import INSURER_NO, actor_for, make_person
from tests.webapp import build_app

# Routes that return no personal data (or only the caller's own credentials), with why.
NO_PERSONAL_DATA = {
    ("GET", "/healthz"): "liveness",
    ("GET", "/login"): "form",
    ("POST", "/login"): "sign-in",
    ("POST", "/logout"): "sign-out",
    ("GET", "/demo"): "demo accounts (synthetic staff), demo mode only",
    ("POST", "/demo/login/{login_id}"): "demo sign-in",
    ("POST", "/api/v1/auth/token"): "credentials",
    ("POST", "/api/v1/auth/refresh"): "credentials",
    ("POST", "/api/v1/auth/revoke"): "credentials",
    ("GET", "/municipal/ingest"): "intake log: file names and counts only",
    ("GET", "/office/verify"): "verification forms",
    ("POST", "/office/verify/challenge"): "issues a one-time challenge; returns no personal data",
    (
        "POST",
        "/api/v1/identity/challenges",
    ): "issues a one-time challenge; returns no personal data",
    ("POST", "/office/verify/card"): "writes an assignment, audited in access.register_assignment",
    (
        "POST",
        "/office/verify/four-attributes",
    ): "writes an assignment, audited in access.register_assignment",
    (
        "POST",
        "/api/v1/identity/card-verifications",
    ): "writes an assignment, audited in access.register_assignment",
    (
        "POST",
        "/api/v1/identity/four-attributes",
    ): "writes an assignment, audited in access.register_assignment",
    ("GET", "/staff"): "the organisation's own staff accounts (no insured person data)",
    ("POST", "/staff"): "staff account management",
    ("POST", "/staff/{account_id}/{action}"): "staff account management",
    ("POST", "/municipal/ingest"): "municipal write; recorded in the intake log (ingest_file)",
    (
        "POST",
        "/api/v1/municipal/files",
    ): "municipal write; recorded in the intake log (ingest_file)",
}
# Routes that read or write personal data: (method, path template) → (url, login, JSON body).
PERSONAL_DATA = {
    ("GET", "/"): ("/", "cm", None),
    ("GET", "/api/v1/insured/{insured_no}/cards"): (
        "/api/v1/insured/0000000001/cards",
        "city",
        None,
    ),
    ("GET", "/municipal/persons"): ("/municipal/persons?q=0000", "city", None),
    ("GET", "/municipal/persons/{insured_no}"): ("/municipal/persons/0000000001", "city", None),
    ("GET", "/api/v1/assigned-persons"): ("/api/v1/assigned-persons", "cm", None),
    ("GET", "/office/persons"): ("/office/persons", "cm", None),
    ("GET", "/office/lookup"): (
        "/office/lookup?insured_no=0000000001&birth_date=1940-01-02",
        "cm",
        None,
    ),
    ("POST", "/api/v1/consents"): (
        "/api/v1/consents",
        "cm",
        {"insurer_no": INSURER_NO, "insured_no": "0000000001", "effective_from": "2026-01-05"},
    ),
}
INFRASTRUCTURE = {"/static", "/api/openapi.json", "/api/docs", "/docs/oauth2-redirect"}


def _flatten(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Routes of the app, following included routers (FastAPI keeps them nested)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flatten(included.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def _routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for prefix, route in _flatten(app.routes):
        path = prefix + getattr(route, "path", "")
        if path in INFRASTRUCTURE:
            continue
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, path))
    assert len(found) > 10, "route enumeration found too few routes"
    return found


def test_every_route_is_classified(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    unclassified = _routes(harness.client.app) - set(NO_PERSONAL_DATA) - set(PERSONAL_DATA)
    assert unclassified == set(), "classify these routes in tests/access/test_routes_audit.py"


def test_every_personal_data_route_writes_an_audit_event(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    factory = harness.sessions()
    with unit_of_work(factory) as db:
        make_person(db, "0000000001")
        access.record_consent(
            db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        cm_org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        access.register_assignment(
            db,
            actor_for(cm_org, "care_manager", service_types=("43",)),
            INSURER_NO,
            "0000000001",
            "43",
            "MYNUMBER_CARD",
        )
    for (method, template), (url, login_id, body) in PERSONAL_DATA.items():
        with unit_of_work(factory) as db:
            before = db.scalar(select(func.count()).select_from(AuditEvent))
        response = harness.client.request(method, url, headers=harness.headers(login_id), json=body)
        with unit_of_work(factory) as db:
            after = db.scalar(select(func.count()).select_from(AuditEvent))
        assert response.status_code in (200, 201), (
            template,
            response.status_code,
            response.text[:300],
        )
        assert after > before, f"{method} {template} returned personal data without an audit event"


def test_a_denied_lookup_is_on_record(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, "0000000001")
    r = harness.client.get(
        "/api/v1/insured/0000000001/cards",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("helper"),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "ACCESS-NO-CONSENT"
    with unit_of_work(harness.sessions()) as db:
        outcome = db.scalars(select(AuditEvent.outcome)).all()
    assert outcome == ["denied"]


def test_registering_an_assignment_is_audited(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, "0000000001")
        org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        actor = actor_for(org, "care_manager", service_types=("43",))
        access.register_assignment(db, actor, INSURER_NO, "0000000001", "43", "FOUR_ATTRIBUTES")
        event = db.scalars(select(AuditEvent)).one()
    assert (event.data_kind, event.action, event.reason, event.insured_no) == (
        "assignment",
        "write",
        "FOUR_ATTRIBUTES",
        "0000000001",
    )
