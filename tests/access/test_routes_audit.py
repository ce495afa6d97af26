"""Every route is classified; every route that returns personal data writes an audit event.

The list of routes comes from the app's route table, so a new route fails this test until it is
classified here — a personal-data route cannot slip past the audit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from kaigo_kiban.access import service as access
from kaigo_kiban.access.rules import policy_allows
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.factories import (
    INSURER_NO,
    actor_for,
    complete_opinion_content,
    ingest,
    insurance_card_row,
    make_careplan_exchange,
    make_certification_case,
    make_person,
    person_session_cookie,
    write_card_file,
)
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
    (
        "POST",
        "/office/assignments/{assignment_id}/end",
    ): "ends an assignment; audited in access.end_assignment_by_office",
    (
        "POST",
        "/api/v1/assignments/{assignment_id}/end",
    ): "ends an assignment; audited in access.end_assignment_by_office",
    ("GET", "/staff"): "the organisation's own staff accounts (no insured person data)",
    ("POST", "/staff"): "staff account management",
    ("POST", "/staff/{account_id}/{action}"): "staff account management",
    ("POST", "/municipal/ingest"): "municipal write; recorded in the intake log (ingest_file)",
    (
        "POST",
        "/api/v1/municipal/files",
    ): "municipal write; recorded in the intake log (ingest_file)",
    ("GET", "/careplan/send"): "care-plan upload form",
    **{
        (method, path): "care-plan upload (multipart): every person in the file is authorised"
        " (write) and audited before anything is stored; tests/careplan/test_exchange_api.py"
        for method, path in (("POST", "/careplan/send"), ("POST", "/api/v1/careplan/files"))
    },
    # Portal: applications, inquiries, readiness, vendors and FAQ hold no person's data
    # (organisations' subsidy claims and questions); ownership is enforced in the subsidies and
    # helpdesk services.
    **{
        (method, path): "portal: no personal data (organisation-owned or public)"
        for method, path in (
            ("GET", "/portal"),
            ("GET", "/portal/applications"),
            ("POST", "/portal/applications"),
            ("GET", "/portal/applications/new"),
            ("GET", "/portal/applications/estimate"),
            ("GET", "/portal/applications/{app_id}"),
            ("POST", "/portal/applications/{app_id}/items"),
            ("POST", "/portal/applications/{app_id}/receipts"),
            ("GET", "/portal/applications/{app_id}/receipts/{receipt_id}"),
            ("POST", "/portal/applications/{app_id}/receipts/{receipt_id}/remove"),
            ("POST", "/portal/applications/{app_id}/actions"),
            ("POST", "/portal/applications/{app_id}/comments"),
            ("GET", "/portal/applications/{app_id}/decision"),
            ("GET", "/portal/readiness"),
            ("GET", "/portal/readiness.csv"),
            ("GET", "/portal/readiness/import"),
            ("POST", "/portal/readiness/import"),
            ("GET", "/portal/vendors"),
            ("POST", "/portal/vendors"),
            ("GET", "/portal/vendors/new"),
            ("GET", "/portal/vendors/{vendor_id}/edit"),
            ("POST", "/portal/vendors/{vendor_id}"),
            ("GET", "/portal/inquiries"),
            ("POST", "/portal/inquiries"),
            ("GET", "/portal/inquiries/new"),
            ("GET", "/portal/inquiries/{inquiry_id}"),
            ("GET", "/portal/inquiries/access/{token}"),
            ("POST", "/portal/inquiries/{inquiry_id}/messages"),
            ("POST", "/portal/inquiries/{inquiry_id}/faq"),
            ("GET", "/portal/faq"),
            ("POST", "/api/v1/portal/subsidy-estimate"),
            ("GET", "/api/v1/portal/applications"),
            ("POST", "/api/v1/portal/applications"),
            ("GET", "/api/v1/portal/applications/{app_id}"),
            ("PUT", "/api/v1/portal/applications/{app_id}"),
            ("POST", "/api/v1/portal/applications/{app_id}/receipts"),
            ("POST", "/api/v1/portal/applications/{app_id}/submit"),
        )
    },
    # Certification: the office's own webhook settings; form posts whose writes pass the gate
    # (audited) and whose re-rendered page is the GET of the same page (classified below).
    **{
        (method, path): reason
        for method, path, reason in (
            ("GET", "/api/v1/certification/webhooks", "the office's own webhook settings"),
            ("POST", "/api/v1/certification/webhooks", "the office's own webhook settings"),
            (
                "DELETE",
                "/api/v1/certification/webhooks/{subscription_id}",
                "the office's own webhook settings",
            ),
            (
                "POST",
                "/office/certifications/webhooks",
                "webhook settings; re-renders GET /office/certifications/updates (audited)",
            ),
            (
                "POST",
                "/office/certifications/webhooks/{subscription_id}/delete",
                "webhook settings; redirects",
            ),
            (
                "PUT",
                "/api/v1/certification/opinions/{opinion_id}/signature",
                "returns only the verification outcome; the write passes the gate (audited)",
            ),
            (
                "POST",
                "/office/plan-notices",
                "form post: the write passes the gate; re-renders GET /office/plan-notices",
            ),
            (
                "POST",
                "/municipal/opinion-requests",
                "form post: the write passes the gate; re-renders GET /municipal/opinion-requests",
            ),
            (
                "POST",
                "/municipal/plan-notices/{notice_id}/accept",
                "form post: the write passes the gate; redirects",
            ),
            (
                "POST",
                "/municipal/plan-notices/{notice_id}/return",
                "form post: the write passes the gate; re-renders GET /municipal/plan-notices",
            ),
            (
                "POST",
                "/clinic/requests/{request_id}",
                "form post: the write passes the gate; re-renders GET /clinic/requests/{id}",
            ),
        )
    },
    # Person portal, benefits and LIFE (tests/person, tests/benefits, tests/life).
    **{
        (method, path): reason
        for method, path, reason in (
            (
                "GET",
                "/my/login",
                "card sign-in form: a one-time challenge (demo card names in demo mode)",
            ),
            ("POST", "/my/login", "card sign-in"),
            ("POST", "/my/login/demo", "demo card sign-in, demo mode only"),
            ("POST", "/my/logout", "sign-out"),
            ("POST", "/api/v1/person/challenge", "issues a one-time challenge"),
            (
                "POST",
                "/api/v1/person/token",
                "card sign-in for an app: the token and whom the card holder may act for",
            ),
            ("POST", "/api/v1/person/revoke", "sign-out of an app"),
            ("POST", "/me/sessions/{session_id}/end", "signs out a session of the same card"),
            ("POST", "/my/switch", "switches the principal of the session; redirects"),
            ("GET", "/my/portal.css", "static style sheet"),
            ("GET", "/me/settings", "the person's own proxy and notice settings (no care data)"),
            ("POST", "/me/notices/read", "marks the person's own notices read; redirects"),
            ("POST", "/me/consent/withdraw", "person write, audited (consent); redirects"),
            ("POST", "/me/consent/give", "person write, audited (consent); redirects"),
            ("POST", "/me/assignments/{assignment_id}/end", "person write, audited; redirects"),
            ("POST", "/me/proxies", "person write, audited (proxy); shows the invitation code"),
            ("POST", "/me/proxies/{grant_id}/revoke", "person write, audited (proxy); redirects"),
            ("POST", "/me/contact", "the person's own e-mail for notices; redirects"),
            (
                "POST",
                "/api/v1/life/files",
                "office write: every person in the file is authorised (write) and audited first",
            ),
            ("GET", "/municipal/life", "LIFE aggregates only, cells under 10 people suppressed"),
            (
                "GET",
                "/api/v1/municipal/life/aggregates",
                "LIFE aggregates only, cells under 10 people suppressed",
            ),
        )
    },
    ("GET", "/fhir/metadata"): "FHIR CapabilityStatement (no sign-in, no personal data)",
    ("GET", "/fhir/Organization"): "insurers, offices and institutions (no personal data)",
    ("GET", "/fhir/Organization/{resource_id}"): "an organisation (no personal data)",
    ("GET", "/fhir/{rest:path}"): "OperationOutcome 404 for FHIR paths that are not served",
}
# Routes that read or write personal data: (method, path template) →
# (url, login, JSON body, the audit rows the request must write).
#
# The audited set is {(data_kind, action)} (access/rules.py: DATA_KINDS, ACTIONS) of the rows the
# request writes, every one with outcome "allowed" (a denial is an extra, unexpected row). It is
# written from what the route is for — the kinds of personal data its page or response shows or
# writes — not from what the code records; entries marked `# MISMATCH:` expect what the purpose
# says while the code audits otherwise (the test fails on them until src/ is fixed).
# Form posts that redirect are followed (TestClient), so the page redirected to is audited too.
Audited = frozenset[tuple[str, str]]


def _audited(action: str, *kinds: str) -> Audited:
    return frozenset((kind, action) for kind in kinds)


CARD_KINDS = ("insurance_card", "copay_card", "cost_cap_cert", "reduction_cert")
CARDS_READ = _audited("read", *CARD_KINDS)  # the four 証 of one person, each kind audited
CASE_READ = _audited("read", "progress", "survey", "opinion")  # the case view (views.case_view)
USAGE_READ = _audited("read", "home_modification", "equipment_purchase")

PERSONAL_DATA: dict[tuple[str, str], tuple[str, str, dict[str, object] | None, Audited]] = {
    # office home: the assigned persons (担当一覧)
    ("GET", "/"): ("/", "cm", None, _audited("list", "insurance_card")),
    ("GET", "/api/v1/insured/{insured_no}/cards"): (
        "/api/v1/insured/0000000001/cards",
        "city",
        None,
        CARDS_READ,
    ),
    # "0000" finds 0000000001 and 0000000077: each person shown is audited as a search result
    ("GET", "/municipal/renewals"): (
        "/municipal/renewals",
        "city",
        None,
        _audited("list", "insurance_card"),
    ),
    ("GET", "/municipal/persons"): (
        "/municipal/persons?q=0000",
        "city",
        None,
        _audited("search", "insurance_card"),
    ),
    ("GET", "/municipal/persons/{insured_no}"): (
        "/municipal/persons/0000000001",
        "city",
        None,
        CARDS_READ,
    ),
    ("GET", "/api/v1/assigned-persons"): (
        "/api/v1/assigned-persons",
        "cm",
        None,
        _audited("list", "insurance_card"),
    ),
    ("GET", "/office/persons"): ("/office/persons", "cm", None, _audited("list", "insurance_card")),
    ("GET", "/office/lookup"): (
        "/office/lookup?insurer_no=131016&insured_no=0000000001&birth_date=1940-01-02",
        "cm",
        None,
        CARDS_READ,
    ),
    # care-plan mailbox: files 1 (UPPLAN) and 2 (UP1KYO) from "cm" to "helper"
    ("GET", "/api/v1/careplan/received"): (
        "/api/v1/careplan/received",
        "helper",
        None,
        _audited("list", "care_plan"),
    ),
    ("GET", "/api/v1/careplan/sent"): (
        "/api/v1/careplan/sent",
        "cm",
        None,
        _audited("list", "care_plan"),
    ),
    ("GET", "/api/v1/careplan/files/{transfer_id}"): (
        "/api/v1/careplan/files/1",
        "cm",
        None,
        _audited("read", "care_plan"),
    ),
    ("GET", "/api/v1/careplan/files/{transfer_id}/content"): (
        "/api/v1/careplan/files/1/content",
        "helper",
        None,
        _audited("read", "care_plan"),
    ),
    ("POST", "/api/v1/careplan/files/{transfer_id}/imported"): (
        "/api/v1/careplan/files/1/imported",
        "helper",
        None,
        _audited("write", "care_plan"),
    ),
    ("POST", "/api/v1/careplan/files/{transfer_id}/delivered"): (
        "/api/v1/careplan/files/2/delivered",
        "cm",
        None,
        _audited("write", "care_plan"),
    ),
    ("GET", "/careplan/mailbox"): (
        "/careplan/mailbox",
        "helper",
        None,
        _audited("list", "care_plan"),
    ),
    ("GET", "/careplan/files/{transfer_id}"): (
        "/careplan/files/1",
        "helper",
        None,
        _audited("read", "care_plan"),
    ),
    ("GET", "/careplan/files/{transfer_id}/download"): (
        "/careplan/files/1/download",
        "helper",
        None,
        _audited("read", "care_plan"),
    ),
    # the write, then the file's page it redirects to
    ("POST", "/careplan/files/{transfer_id}/imported"): (
        "/careplan/files/2/imported",
        "helper",
        None,
        _audited("write", "care_plan") | _audited("read", "care_plan"),
    ),
    ("POST", "/careplan/files/{transfer_id}/delivered"): (
        "/careplan/files/2/delivered",
        "cm",
        None,
        _audited("write", "care_plan") | _audited("read", "care_plan"),
    ),
    ("POST", "/api/v1/consents"): (
        "/api/v1/consents",
        "cm",
        {"insurer_no": INSURER_NO, "insured_no": "0000000001", "effective_from": "2026-01-05"},
        _audited("write", "consent"),
    ),
    # Certification (tests.factories.make_certification_case): application 2026000001 of
    # 0000000001, opinion request 1 to the clinic, draft opinion 1, pending plan notice 1.
    # Order matters: the draft is submitted half-way, notice 1 is returned before notice 2.
    ("GET", "/api/v1/certification/cases"): (
        "/api/v1/certification/cases",
        "city",
        None,
        _audited("list", "progress"),
    ),
    # the case view asks for the survey and the opinion whether or not there is one yet
    ("GET", "/api/v1/certification/cases/{insured_no}"): (
        "/api/v1/certification/cases/0000000001",
        "city",
        None,
        CASE_READ,
    ),
    ("GET", "/api/v1/certification/events"): (
        "/api/v1/certification/events",
        "cm",
        None,
        _audited("list", "progress"),
    ),
    ("GET", "/clinic/requests"): ("/clinic/requests", "clinic", None, _audited("list", "opinion")),
    ("GET", "/clinic/requests/{request_id}"): (
        "/clinic/requests/1",
        "clinic",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/api/v1/certification/opinion-requests"): (
        "/api/v1/certification/opinion-requests",
        "clinic",
        None,
        _audited("list", "opinion"),
    ),
    ("GET", "/api/v1/certification/opinion-requests/{request_id}"): (
        "/api/v1/certification/opinion-requests/1",
        "clinic",
        None,
        _audited("read", "opinion"),
    ),
    ("PUT", "/api/v1/certification/opinion-requests/{request_id}/draft"): (
        "/api/v1/certification/opinion-requests/1/draft",
        "clinic",
        {"content": complete_opinion_content()},
        _audited("write", "opinion"),
    ),
    ("POST", "/api/v1/certification/opinion-requests/{request_id}/submit"): (
        "/api/v1/certification/opinion-requests/1/submit",
        "clinic",
        None,
        _audited("write", "opinion"),
    ),
    ("POST", "/api/v1/certification/opinion-requests"): (
        "/api/v1/certification/opinion-requests",
        "city",
        {
            "insured_no": "0000000001",
            "application_no": "2026000001",
            "institution_code": "1310000045",
            "requested_on": "2026-11-01",
        },
        _audited("write", "opinion"),
    ),
    # the municipal system's pull returns every opinion's full content
    ("GET", "/api/v1/certification/opinions"): (
        "/api/v1/certification/opinions",
        "city",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/api/v1/certification/opinions/{opinion_id}"): (
        "/api/v1/certification/opinions/1",
        "city",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/api/v1/certification/opinions/{opinion_id}/canonical"): (
        "/api/v1/certification/opinions/1/canonical",
        "clinic",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/api/v1/certification/opinions/{opinion_id}/verification"): (
        "/api/v1/certification/opinions/1/verification",
        "city",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/municipal/opinions/{opinion_id}"): (
        "/municipal/opinions/1",
        "city",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/clinic/opinions"): ("/clinic/opinions", "clinic", None, _audited("list", "opinion")),
    ("GET", "/clinic/opinions/{opinion_id}"): (
        "/clinic/opinions/1",
        "clinic",
        None,
        _audited("read", "opinion"),
    ),
    ("GET", "/municipal/certifications"): (
        "/municipal/certifications",
        "city",
        None,
        _audited("list", "progress"),
    ),
    ("GET", "/municipal/certifications/{insured_no}"): (
        "/municipal/certifications/0000000001",
        "city",
        None,
        CASE_READ,
    ),
    ("GET", "/municipal/opinion-requests"): (
        "/municipal/opinion-requests",
        "city",
        None,
        _audited("list", "opinion"),
    ),
    ("GET", "/office/certifications"): (
        "/office/certifications",
        "cm",
        None,
        _audited("list", "progress"),
    ),
    ("GET", "/office/certifications/updates"): (
        "/office/certifications/updates",
        "cm",
        None,
        _audited("list", "progress"),
    ),
    ("GET", "/office/certifications/{insured_no}"): (
        "/office/certifications/0000000001",
        "cm",
        None,
        CASE_READ,
    ),
    # 居宅サービス計画作成依頼届出: a change to the 被保険者証, gated as insurance_card
    # (docs/certification.md §2, §6); lists of notices show each person as a list entry.
    ("POST", "/api/v1/certification/plan-notices/{notice_id}/return"): (
        "/api/v1/certification/plan-notices/1/return",
        "city",
        {"reason": "適用開始日を確認してください"},
        _audited("write", "insurance_card"),
    ),
    ("POST", "/api/v1/certification/plan-notices"): (
        "/api/v1/certification/plan-notices",
        "cm",
        {"insurer_no": INSURER_NO, "insured_no": "0000000001", "plan_valid_from": "2026-11-01"},
        _audited("write", "insurance_card"),
    ),
    ("GET", "/api/v1/certification/plan-notices"): (
        "/api/v1/certification/plan-notices",
        "city",
        None,
        _audited("list", "insurance_card"),
    ),
    ("POST", "/api/v1/certification/plan-notices/{notice_id}/accept"): (
        "/api/v1/certification/plan-notices/2/accept",
        "city",
        None,
        _audited("write", "insurance_card"),
    ),
    # the office's notices and, in the form, its assigned persons
    ("GET", "/office/plan-notices"): (
        "/office/plan-notices",
        "cm",
        None,
        _audited("list", "insurance_card"),
    ),
    ("GET", "/municipal/plan-notices"): (
        "/municipal/plan-notices",
        "city",
        None,
        _audited("list", "insurance_card"),
    ),
    # Person portal: "person" signs in 0000000001 with a card (tests.factories).
    # わたしの情報: the four 証, certification progress, delivered care plans, 住宅改修・福祉用具,
    # LIFE (docs/person-portal.md; no survey and no opinion for the person).
    ("GET", "/me"): (
        "/me",
        "person",
        None,
        CARDS_READ | USAGE_READ | _audited("read", "progress", "care_plan", "life"),
    ),
    ("GET", "/me/access-log"): (
        "/me/access-log",
        "person",
        None,
        _audited("read", "access_history"),
    ),
    ("GET", "/me/access-log.csv"): (
        "/me/access-log.csv",
        "person",
        None,
        _audited("read", "access_history"),
    ),
    # MISMATCH: 同意と担当事業所 shows every consent AND every assigned office (name, service,
    # how and when identity was checked, state: person.portal.consent_overview), but only
    # ("consent", "read") is audited; the assignments shown are not ("assignment", "read").
    ("GET", "/me/consent"): (
        "/me/consent",
        "person",
        None,
        _audited("read", "consent", "assignment"),
    ),
    ("GET", "/api/v1/insured/{insured_no}/usage"): (
        "/api/v1/insured/0000000001/usage",
        "city",
        None,
        USAGE_READ,
    ),
    ("GET", "/office/persons/{insured_no}/usage"): (
        f"/office/persons/0000000001/usage?insurer_no={INSURER_NO}",
        "cm",
        None,
        USAGE_READ,
    ),
    ("GET", "/api/v1/insured/{insured_no}/life"): (
        f"/api/v1/insured/0000000001/life?insurer_no={INSURER_NO}",
        "cm",
        None,
        _audited("read", "life"),
    ),
    ("GET", "/office/persons/{insured_no}/life"): (
        f"/office/persons/0000000001/life?insurer_no={INSURER_NO}",
        "cm",
        None,
        _audited("read", "life"),
    ),
    # FHIR façade (tests/fhir): person 0000000077 has a 被保険者証 (履歴番号 1).
    ("GET", "/fhir/Patient"): (
        "/fhir/Patient?identifier=0000000001",
        "city",
        None,
        _audited("search", "insurance_card"),
    ),
    ("GET", "/fhir/Patient/{resource_id}"): (
        "/fhir/Patient/131016-0000000001",
        "city",
        None,
        _audited("read", "insurance_card"),
    ),
    # Coverage: the 被保険者証 with the 負担割合 of the 負担割合証
    ("GET", "/fhir/Coverage"): (
        "/fhir/Coverage?beneficiary=Patient/131016-0000000077&date=2024-05-01",
        "city",
        None,
        _audited("read", "insurance_card", "copay_card"),
    ),
    ("GET", "/fhir/Coverage/{resource_id}"): (
        "/fhir/Coverage/131016-0000000077-1",
        "city",
        None,
        _audited("read", "insurance_card", "copay_card"),
    ),
    ("GET", "/fhir/AuditEvent"): (
        "/fhir/AuditEvent?patient=Patient/131016-0000000001",
        "city",
        None,
        _audited("read", "access_history"),
    ),
    ("GET", "/fhir/AuditEvent/{resource_id}"): (
        "/fhir/AuditEvent/1",
        "city",
        None,
        _audited("read", "access_history"),
    ),
}
# FHIR Consent reads the data kind "consent", which access/data/policy.csv does not grant to
# anyone yet; until it does, the routes are denied (and the denial audited: tests/fhir).
_FHIR_CONSENT = {
    ("GET", "/fhir/Consent"): (
        "/fhir/Consent?patient=Patient/131016-0000000001",
        "city",
        None,
        _audited("read", "consent"),
    ),
    ("GET", "/fhir/Consent/{resource_id}"): (
        "/fhir/Consent/1",
        "city",
        None,
        _audited("read", "consent"),
    ),
}
if policy_allows("consent", "municipality", "municipal_staff"):
    PERSONAL_DATA.update(_FHIR_CONSENT)
else:
    NO_PERSONAL_DATA.update(
        dict.fromkeys(_FHIR_CONSENT, "denied to everyone until policy.csv has consent rows")
    )
# FHIR resources built from other areas: LIFE Barthel Index (life.trends.person_trend) and
# delivered care plans (careplan.delivery).
PERSONAL_DATA[("GET", "/fhir/Observation")] = (
    "/fhir/Observation?patient=Patient/131016-0000000001",
    "cm",
    None,
    _audited("read", "life"),
)
PERSONAL_DATA[("GET", "/fhir/DocumentReference")] = (
    "/fhir/DocumentReference?patient=Patient/131016-0000000001",
    "city",
    None,
    _audited("read", "care_plan"),
)
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
        make_careplan_exchange(db, harness.settings)
        harness.secrets.update(make_certification_case(db, harness.settings))
        person_cookie = person_session_cookie(db, harness.settings, "0000000001")
        ingest(  # a 被保険者証 for the FHIR Coverage routes (another person: 0000000001 unchanged)
            db,
            write_card_file(
                Path(harness.settings.data_dir),
                "insurance_card",
                [  # its 認定有効期間 ends within 60 days: on the municipal renewals list
                    insurance_card_row(
                        "0000000077",
                        cert_valid_to=(dt.date.today() + dt.timedelta(days=30)).strftime("%Y%m%d"),
                    )
                ],
            ),
            harness.settings,
        )
    harness.client.cookies.set("kk_person", person_cookie)  # bearer requests ignore it
    wrong: list[str] = []  # routes whose audit rows differ from the expected set
    for (method, template), (url, login_id, body, expected) in PERSONAL_DATA.items():
        with unit_of_work(factory) as db:
            before = db.scalar(select(func.count()).select_from(AuditEvent))
            last_id = db.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        headers = {} if login_id == "person" else harness.headers(login_id)
        response = harness.client.request(method, url, headers=headers, json=body)
        with unit_of_work(factory) as db:
            after = db.scalar(select(func.count()).select_from(AuditEvent))
            rows = db.execute(
                select(AuditEvent.data_kind, AuditEvent.action, AuditEvent.outcome).where(
                    AuditEvent.id > last_id
                )
            ).all()
        assert response.status_code in (200, 201), (
            template,
            response.status_code,
            response.text[:300],
        )
        assert after > before, f"{method} {template} returned personal data without an audit event"
        actual = {(kind, action, outcome) for kind, action, outcome in rows}
        wanted = {(kind, action, "allowed") for kind, action in expected}
        if actual != wanted:
            wrong.append(
                f"{method} {template}\n"
                f"    expected: {sorted(wanted)}\n"
                f"    actual:   {sorted(actual)}\n"
                f"    missing:  {sorted(wanted - actual)}\n"
                f"    extra:    {sorted(actual - wanted)}"
            )
    assert not wrong, "audited (data_kind, action, outcome) differ from the route's purpose:\n" + (
        "\n".join(wrong)
    )


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


def test_when_the_audit_write_fails_the_request_fails_without_personal_data(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, audit_fail_for_test=True)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, "0000000001", name_kanji="監査 失敗子")
    r = harness.client.get("/api/v1/insured/0000000001/cards", headers=harness.headers("city"))
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "AUD-WRITE-FAILED"
    assert "監査 失敗子" not in r.text and "0000000001" not in r.text
    page = harness.client.get("/municipal/persons/0000000001", headers=harness.headers("city"))
    assert page.status_code == 503 and "監査 失敗子" not in page.text
