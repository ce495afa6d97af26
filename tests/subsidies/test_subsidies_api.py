"""The JSON API of applications: create, list own, get, receipts, submit — and another
office's 404, errors with stable PTL- codes."""

from __future__ import annotations

import pytest

from kaigo_kiban.subsidies.api import subsidy_today
from tests.subsidies.conftest import BETWEEN_ROUNDS, IN_ROUND, PDF
from tests.webapp import AppHarness

ITEMS = [
    {"kind": "card_reader", "quantity": 4, "amount_yen": 80_000, "description": "リーダー"},
    {"kind": "connection_support", "amount_yen": 22_000},
]


def create(h: AppHarness, login: str = "helper", items: list | None = None) -> dict:  # type: ignore[type-arg]
    r = h.client.post(
        "/api/v1/portal/applications",
        json={"items": ITEMS if items is None else items, "contact_name": "試験 担当"},
        headers=h.headers(login),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_create_returns_the_calculation_with_reasons(portal_app: AppHarness) -> None:
    body = create(portal_app)
    assert body["status"] == "DRAFT" and body["status_label"] == "下書き"
    assert body["organization_code"] == "1310000029" and body["service_types"] == ["11"]
    assert (body["eligible_cost_yen"], body["cap_yen"], body["grant_yen"]) == (
        82_000,
        64_000,
        64_000,
    )
    assert [r["code"] for r in body["reasons"]] == ["PT-READER-LIMIT", "PT-CAP-APPLIED"]
    assert body["items"][0]["kind_label"] == "カードリーダー"
    assert [e["action"] for e in body["history"]] == ["created"]


def test_list_shows_only_own_applications_and_operators_see_all(portal_app: AppHarness) -> None:
    mine = create(portal_app)["id"]
    theirs = create(portal_app, "cm", [{"kind": "card_reader", "amount_yen": 10_000}])["id"]
    own = [
        a["id"]
        for a in portal_app.client.get(
            "/api/v1/portal/applications", headers=portal_app.headers("helper")
        ).json()
    ]
    assert mine in own and theirs not in own
    every = portal_app.client.get(
        "/api/v1/portal/applications", params={"status": "DRAFT"}, headers=portal_app.headers("ops")
    ).json()
    assert {mine, theirs} <= {a["id"] for a in every}


def test_another_office_gets_404_for_an_application_and_its_receipts(
    portal_app: AppHarness,
) -> None:
    app_id = create(portal_app)["id"]
    other = portal_app.headers("cm")
    for method, url, kwargs in (
        ("GET", f"/api/v1/portal/applications/{app_id}", {}),
        ("PUT", f"/api/v1/portal/applications/{app_id}", {"json": {"items": []}}),
        ("POST", f"/api/v1/portal/applications/{app_id}/submit", {}),
        (
            "POST",
            f"/api/v1/portal/applications/{app_id}/receipts",
            {"files": {"file": ("r.pdf", PDF)}},
        ),
    ):
        r = portal_app.client.request(method, url, headers=other, **kwargs)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["error"]["code"] == "PTL-APPLICATION-NOT-FOUND"
    r = portal_app.client.get(
        f"/api/v1/portal/applications/{app_id}", headers=portal_app.headers("city")
    )
    assert r.status_code == 404


def test_submit_needs_a_receipt_then_works_in_the_round(portal_app: AppHarness) -> None:
    app_id = create(portal_app)["id"]
    headers = portal_app.headers("helper")
    r = portal_app.client.post(f"/api/v1/portal/applications/{app_id}/submit", headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "PTL-INCOMPLETE"
    r = portal_app.client.post(
        f"/api/v1/portal/applications/{app_id}/receipts",
        files={"file": ("receipt.pdf", PDF, "application/octet-stream")},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["media_type"] == "application/pdf"
    r = portal_app.client.post(f"/api/v1/portal/applications/{app_id}/submit", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "SUBMITTED" and body["round_name"] == "令和8年度"
    r = portal_app.client.put(
        f"/api/v1/portal/applications/{app_id}", json={"items": []}, headers=headers
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "PTL-NOT-EDITABLE"


def test_submit_between_rounds_is_409_with_a_japanese_message(portal_app: AppHarness) -> None:
    app_id = create(portal_app)["id"]
    headers = portal_app.headers("helper")
    portal_app.client.post(
        f"/api/v1/portal/applications/{app_id}/receipts",
        files={"file": ("r.pdf", PDF)},
        headers=headers,
    )
    overrides = portal_app.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[subsidy_today] = lambda: BETWEEN_ROUNDS
    try:
        r = portal_app.client.post(f"/api/v1/portal/applications/{app_id}/submit", headers=headers)
    finally:
        overrides[subsidy_today] = lambda: IN_ROUND
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "PTL-ROUND-CLOSED" and "受付期間外" in error["message"]
    assert error["details"]["next_round"] == "令和8年度"


@pytest.mark.parametrize(
    ("content", "code", "status"),
    [
        (b"<svg onload=alert(1)>", "PTL-RECEIPT-TYPE", 422),
        (PDF + b"\0" * 5000, "PTL-RECEIPT-TOO-LARGE", 422),
    ],
)
def test_receipt_of_the_wrong_type_or_too_large_is_refused(
    portal_app: AppHarness, content: bytes, code: str, status: int
) -> None:
    app_id = create(portal_app)["id"]
    r = portal_app.client.post(
        f"/api/v1/portal/applications/{app_id}/receipts",
        files={"file": ("receipt.pdf", content, "application/pdf")},
        headers=portal_app.headers("helper"),
    )
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_invalid_request_and_missing_sign_in(portal_app: AppHarness) -> None:
    r = portal_app.client.post(
        "/api/v1/portal/applications",
        json={"items": [{"kind": "card_reader", "amount_yen": "many"}]},
        headers=portal_app.headers("helper"),
    )
    assert r.status_code == 422
    r = portal_app.client.post("/api/v1/portal/applications", json={"items": []})
    assert r.status_code == 401
    r = portal_app.client.post(
        "/api/v1/portal/applications", json={"items": []}, headers=portal_app.headers("ops")
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "PTL-NOT-APPLICANT"


def test_clinic_and_the_public_estimate(portal_app: AppHarness) -> None:
    body = create(portal_app, "clinic", [{"kind": "opinion_sending", "amount_yen": 400_000}])
    assert (body["applicant_kind"], body["beds"], body["grant_yen"]) == ("medical", 0, 300_000)
    r = portal_app.client.post(
        "/api/v1/portal/subsidy-estimate",
        json={
            "applicant": "office",
            "service_types": ["51"],
            "items": [{"kind": "card_reader", "quantity": 3, "amount_yen": 60_000}],
        },
    )
    assert r.status_code == 200 and r.json()["grant_yen"] == 40_000


def test_openapi_documents_the_portal_in_japanese(portal_app: AppHarness) -> None:
    spec = portal_app.client.get("/api/openapi.json").json()
    post = spec["paths"]["/api/v1/portal/applications"]["post"]
    assert post["summary"] == "補助金の交付申請（下書き）を作成"
    item = spec["components"]["schemas"]["ApplicationItemIn"]["properties"]
    assert item["amount_yen"]["description"] == "この行の金額（円・消費税込み）"
