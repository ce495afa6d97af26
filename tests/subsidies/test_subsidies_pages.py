"""Subsidy pages as a browser uses them (session cookie + CSRF), without JavaScript: the
application flow, the live calculation fragment, the decision letter; and the portal's menu."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.subsidies.conftest import JPEG, PDF
from tests.web.html import assert_labelled, csrf_token_of

Browser = Callable[[str | None], TestClient]


def form_rows(*rows: tuple[str, str, str]) -> dict[str, list[str]]:
    return {
        "kind": [r[0] for r in rows],
        "quantity": [r[1] for r in rows],
        "amount_yen": [r[2] for r in rows],
        "description": ["" for _ in rows],
    }


def new_application(client: TestClient, *rows: tuple[str, str, str]) -> int:
    token = csrf_token_of(client.get("/portal/applications/new").text)
    r = client.post(
        "/portal/applications", data={"csrf_token": token, "op": "save", **form_rows(*rows)}
    )
    assert r.status_code == 303, r.text
    match = re.match(r"/portal/applications/(\d+)", r.headers["location"])
    assert match
    return int(match.group(1))


def test_new_application_form_is_labelled_and_calculates_without_javascript(
    browser: Browser,
) -> None:
    office = browser("helper")
    page = office.get("/portal/applications/new")
    assert page.status_code == 200
    assert_labelled(page.text)
    assert 'hx-get="/portal/applications/estimate"' in page.text
    data = {
        "csrf_token": csrf_token_of(page.text),
        "op": "calculate",
        **form_rows(("card_reader", "4", "80,000"), ("careplan_setup_support", "1", "11000")),
    }
    r = office.post("/portal/applications", data=data)
    assert r.status_code == 200
    assert 'id="grant-amount">60,000円' in r.text
    assert (
        "カードリーダーの台数上限" in r.text and "接続サポートなしの初期設定支援は対象外" in r.text
    )


def test_wrong_line_is_marked_on_its_field(browser: Browser) -> None:
    office = browser("helper")
    token = csrf_token_of(office.get("/portal/applications/new").text)
    data = {"csrf_token": token, "op": "save", **form_rows(("card_reader", "0", "abc"))}
    r = office.post("/portal/applications", data=data)
    assert r.status_code == 422
    assert 'id="item-0-amount_yen"' in r.text
    assert 'aria-describedby="item-0-amount_yen-error" aria-invalid="true"' in r.text
    assert 'id="item-0-quantity-error"' in r.text


def test_live_estimate_fragment_follows_the_typed_lines(browser: Browser) -> None:
    office = browser("helper")
    r = office.get(
        "/portal/applications/estimate",
        params={
            "kind": ["card_reader", "connection_support"],
            "quantity": ["1", ""],
            "amount_yen": ["50000", "30000"],
            "description": ["", ""],
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="grant-amount">64,000円' in r.text and 'id="excess-amount">16,000円' in r.text


def test_application_flow_through_pages_to_the_decision_letter(browser: Browser) -> None:
    office, ops = browser("helper"), browser("ops")
    app_id = new_application(
        office, ("card_reader", "2", "39600"), ("connection_support", "1", "22000")
    )
    page = office.get(f"/portal/applications/{app_id}?saved=1")
    assert page.status_code == 200 and "保存しました" in page.text
    assert_labelled(page.text)
    token = csrf_token_of(page.text)

    r = office.post(
        f"/portal/applications/{app_id}/receipts",
        data={"csrf_token": token},
        files={"file": ("notes.pdf", b"just text", "application/pdf")},
    )
    assert r.status_code == 422
    assert 'aria-describedby="receipt-file-hint receipt-file-error"' in r.text
    assert "PDF・PNG・JPEG" in r.text
    r = office.post(
        f"/portal/applications/{app_id}/receipts",
        data={"csrf_token": token},
        files={"file": ("領収書.jpg", JPEG, "image/jpeg")},
    )
    assert r.status_code == 303
    r = office.post(
        f"/portal/applications/{app_id}/actions", data={"csrf_token": token, "action": "submit"}
    )
    assert r.status_code == 303

    page = ops.get(f"/portal/applications/{app_id}")
    assert "審査を開始する" in page.text
    ops_token = csrf_token_of(page.text)
    r = ops.post(
        f"/portal/applications/{app_id}/actions", data={"csrf_token": ops_token, "action": "decide"}
    )
    assert r.status_code == 409 and "「交付を決定する」ことができません" in r.text
    for action in ("start_review", "decide"):
        r = ops.post(
            f"/portal/applications/{app_id}/actions",
            data={"csrf_token": ops_token, "action": action, "grant_yen": "61,600"},
        )
        assert r.status_code == 303, r.text

    letter = office.get(f"/portal/applications/{app_id}/decision")
    assert letter.status_code == 200
    assert "交付決定通知書" in letter.text and "金 61,600 円" in letter.text
    assert "試験訪問介護 御中" in letter.text
    history = office.get(f"/portal/applications/{app_id}").text
    for step in ("作成", "領収書の添付", "申請", "審査開始", "交付決定"):
        assert f"<td>{step}</td>" in history
    download = office.get(f"/portal/applications/{app_id}/receipts/1")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_operator_cannot_return_without_a_reason_and_sees_the_error_on_the_field(
    browser: Browser,
) -> None:
    office, ops = browser("helper"), browser("ops")
    app_id = new_application(office, ("card_reader", "1", "20000"))
    token = csrf_token_of(office.get(f"/portal/applications/{app_id}").text)
    office.post(
        f"/portal/applications/{app_id}/receipts",
        data={"csrf_token": token},
        files={"file": ("r.pdf", PDF, "application/pdf")},
    )
    office.post(
        f"/portal/applications/{app_id}/actions", data={"csrf_token": token, "action": "submit"}
    )
    ops_token = csrf_token_of(ops.get(f"/portal/applications/{app_id}").text)
    ops.post(
        f"/portal/applications/{app_id}/actions",
        data={"csrf_token": ops_token, "action": "start_review"},
    )
    r = ops.post(
        f"/portal/applications/{app_id}/actions", data={"csrf_token": ops_token, "action": "return"}
    )
    assert r.status_code == 422
    assert 'id="action-return-error"' in r.text and "差し戻す理由" in r.text


def test_another_office_gets_404_pages_and_forms_need_the_csrf_token(browser: Browser) -> None:
    office = browser("helper")
    app_id = new_application(office, ("card_reader", "1", "20000"))
    other = browser("cm")
    for url in (f"/portal/applications/{app_id}", f"/portal/applications/{app_id}/decision"):
        r = other.get(url)
        assert r.status_code == 404 and "申請が見つかりません" in r.text
    token = csrf_token_of(other.get("/portal/applications").text)
    r = other.post(
        f"/portal/applications/{app_id}/comments", data={"csrf_token": token, "comment": "x"}
    )
    assert r.status_code == 404
    r = office.post(f"/portal/applications/{app_id}/comments", data={"comment": "no token"})
    assert r.status_code == 403
    assert browser(None).get("/portal/applications").status_code == 303  # to the sign-in page


def test_portal_menu_entries_and_public_index(browser: Browser) -> None:
    home = browser("helper").get("/").text
    assert 'href="/portal/applications"' in home and 'href="/portal/readiness"' in home
    index = browser(None).get("/portal")
    assert index.status_code == 200 and 'href="/portal/vendors"' in index.text
    assert 'href="/portal/applications"' not in index.text


def test_add_row_keeps_typed_lines_and_offers_one_more_blank_row(browser: Browser) -> None:
    office = browser("helper")
    token = csrf_token_of(office.get("/portal/applications/new").text)
    data = {"csrf_token": token, "op": "add_row", **form_rows(("card_reader", "1", "9800"))}
    r = office.post("/portal/applications", data=data)
    assert r.status_code == 200
    assert 'value="9800"' in r.text and 'id="item-3-kind"' in r.text
    assert 'id="item-4-kind"' not in r.text  # one typed + two blank + the added one


def test_receipt_removal_on_the_page_is_recorded(browser: Browser) -> None:
    office = browser("helper")
    app_id = new_application(office, ("card_reader", "1", "20000"))
    token = csrf_token_of(office.get(f"/portal/applications/{app_id}").text)
    office.post(
        f"/portal/applications/{app_id}/receipts",
        data={"csrf_token": token},
        files={"file": ("r.pdf", PDF, "application/pdf")},
    )
    page = office.get(f"/portal/applications/{app_id}").text
    match = re.search(rf"/portal/applications/{app_id}/receipts/(\d+)/remove", page)
    assert match
    r = office.post(match.group(0), data={"csrf_token": token})
    assert r.status_code == 303
    page = office.get(f"/portal/applications/{app_id}").text
    assert "<td>領収書の削除</td>" in page and "領収書はまだ添付されていません" in page


def test_operators_and_municipalities_cannot_open_the_application_form(browser: Browser) -> None:
    for login in ("ops", "city"):
        r = browser(login).get("/portal/applications/new")
        assert r.status_code == 403 and "PTL-NOT-APPLICANT" in r.text
