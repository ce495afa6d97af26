"""Portal pages as a browser uses them (session cookie + CSRF), without JavaScript: the
application flow, the live calculation fragment, the decision letter, the public readiness
page with its chart, the operators' import, vendors, inquiries and the FAQ."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from kaigo_kiban.core.ids import municipality_check_digit
from tests.portal.conftest import JPEG, PDF, csrf_of
from tests.web.html import read_page

Browser = Callable[[str | None], TestClient]


def labelled(html: str) -> None:
    page = read_page(html)
    assert page.unlabelled_fields() == [], page.unlabelled_fields()
    assert page.lang == "ja" and len(page.h1) == 1


def form_rows(*rows: tuple[str, str, str]) -> dict[str, list[str]]:
    return {
        "kind": [r[0] for r in rows],
        "quantity": [r[1] for r in rows],
        "amount_yen": [r[2] for r in rows],
        "description": ["" for _ in rows],
    }


def new_application(client: TestClient, *rows: tuple[str, str, str]) -> int:
    token = csrf_of(client.get("/portal/applications/new").text)
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
    labelled(page.text)
    assert 'hx-get="/portal/applications/estimate"' in page.text
    data = {
        "csrf_token": csrf_of(page.text),
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
    token = csrf_of(office.get("/portal/applications/new").text)
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
    labelled(page.text)
    token = csrf_of(page.text)

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
    ops_token = csrf_of(page.text)
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
    token = csrf_of(office.get(f"/portal/applications/{app_id}").text)
    office.post(
        f"/portal/applications/{app_id}/receipts",
        data={"csrf_token": token},
        files={"file": ("r.pdf", PDF, "application/pdf")},
    )
    office.post(
        f"/portal/applications/{app_id}/actions", data={"csrf_token": token, "action": "submit"}
    )
    ops_token = csrf_of(ops.get(f"/portal/applications/{app_id}").text)
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
    token = csrf_of(other.get("/portal/applications").text)
    r = other.post(
        f"/portal/applications/{app_id}/comments", data={"csrf_token": token, "comment": "x"}
    )
    assert r.status_code == 404
    r = office.post(f"/portal/applications/{app_id}/comments", data={"comment": "no token"})
    assert r.status_code == 403
    assert browser(None).get("/portal/applications").status_code == 303  # to the sign-in page


def test_public_readiness_page_with_chart_table_and_insurer_lookup(browser: Browser) -> None:
    ops = browser("ops")
    page = ops.get("/portal/readiness/import")
    assert page.status_code == 200
    labelled(page.text)
    a = "13901" + str(municipality_check_digit("13901"))
    b = "13902" + str(municipality_check_digit("13902"))
    csv = (
        "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status\r\n"
        f"{a},試験市,東京都,{a},2026-04-01,LIVE\r\n"
        f"{b},試験区,東京都,{b},2027-01-01,SCHEDULED\r\n"
    )
    r = ops.post(
        "/portal/readiness/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("readiness.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "取り込みました" in r.text

    public = browser(None)
    r = public.get("/portal/readiness", params={"prefecture": "東京都", "insurer_no": b})
    assert r.status_code == 200
    labelled(r.text)
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"', r.text)
    assert "2026年度 第4四半期（2027年1月〜3月）: 1市町村" in r.text
    assert "<caption>四半期ごとの送信開始市町村数</caption>" in r.text
    assert "この市町村はまだ介護情報基盤への送信を開始していません" in r.text
    month = public.get("/portal/readiness", params={"month": "2026-04"}).text
    assert "試験市" in month and "試験区" not in month
    assert public.get("/portal/readiness.csv").text.count("\r\n") >= 3


def test_readiness_import_with_errors_lists_them_and_is_for_operators_only(
    browser: Browser,
) -> None:
    ops = browser("ops")
    token = csrf_of(ops.get("/portal/readiness/import").text)
    csv = "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status\r\n139010,誤り市,東京都,139010,2020-01-01,SCHEDULED\r\n"
    r = ops.post(
        "/portal/readiness/import",
        data={"csrf_token": token},
        files={"file": ("bad.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "PTL-RDY-MUNICIPALITY-CODE" in r.text and "PTL-RDY-PAST-DATE" in r.text
    assert browser("helper").get("/portal/readiness/import").status_code == 403


def test_vendor_list_is_public_and_operators_add_vendors(browser: Browser) -> None:
    ops = browser("ops")
    form = ops.get("/portal/vendors/new")
    labelled(form.text)
    token = csrf_of(form.text)
    r = ops.post(
        "/portal/vendors",
        data={
            "csrf_token": token,
            "name": "試験サポート",
            "url": "javascript:x",
            "services": "READER",
        },
    )
    assert (
        r.status_code == 422 and 'id="url-error"' in r.text and 'id="prefectures-error"' in r.text
    )
    r = ops.post(
        "/portal/vendors",
        data={
            "csrf_token": token,
            "name": "試験サポート",
            "prefectures": ["東京都"],
            "services": ["READER", "CONNECTION_SUPPORT"],
            "active": "1",
        },
    )
    assert r.status_code == 303
    public = browser(None).get(
        "/portal/vendors", params={"prefecture": "東京都", "service": "READER"}
    )
    assert public.status_code == 200 and "試験サポート" in public.text
    labelled(public.text)
    assert (
        "試験サポート"
        not in browser(None).get("/portal/vendors", params={"prefecture": "大阪府"}).text
    )
    assert browser("helper").get("/portal/vendors/new").status_code == 403


def test_inquiries_anonymous_with_link_signed_in_with_csrf_answered_and_promoted(
    browser: Browser,
) -> None:
    anonymous = browser(None)
    form = anonymous.get("/portal/inquiries/new")
    labelled(form.text)
    r = anonymous.post(
        "/portal/inquiries", data={"category": "SUBSIDY", "subject": "質問", "body": "本文"}
    )
    assert r.status_code == 422 and 'id="contact_email-error"' in r.text
    r = anonymous.post(
        "/portal/inquiries",
        data={
            "category": "SUBSIDY",
            "subject": "リース",
            "body": "リースは対象ですか",
            "contact_email": "a@example.jp",
        },
    )
    assert r.status_code == 200
    link = re.search(r'href="(/portal/inquiries/access/[^"]+)"', r.text)
    assert link
    assert "リースは対象ですか" in anonymous.get(link.group(1)).text

    office = browser("helper")
    token = csrf_of(office.get("/portal/inquiries/new").text)
    data = {"category": "PLATFORM", "subject": "接続", "body": "証明書の入れ方"}
    assert office.post("/portal/inquiries", data=data).status_code == 403  # no CSRF token
    r = office.post("/portal/inquiries", data={**data, "csrf_token": token})
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    assert browser("cm").get(url).status_code == 404

    ops = browser("ops")
    ops_token = csrf_of(ops.get(url).text)
    assert (
        ops.post(
            f"{url}/messages", data={"csrf_token": ops_token, "body": "手順書をご覧ください"}
        ).status_code
        == 303
    )
    thread = office.get(url).text
    assert "手順書をご覧ください" in thread and "回答済み" in thread
    r = ops.post(
        f"{url}/faq",
        data={
            "csrf_token": ops_token,
            "question": "証明書はどう入れますか",
            "answer": "手順書をご覧ください",
        },
    )
    assert r.status_code == 303
    faq = anonymous.get("/portal/faq", params={"q": "証明書"})
    assert faq.status_code == 200 and "証明書はどう入れますか" in faq.text
    labelled(faq.text)


def test_portal_menu_entries_and_public_index(browser: Browser) -> None:
    home = browser("helper").get("/").text
    assert 'href="/portal/applications"' in home and 'href="/portal/readiness"' in home
    index = browser(None).get("/portal")
    assert index.status_code == 200 and 'href="/portal/vendors"' in index.text
    assert 'href="/portal/applications"' not in index.text


def test_add_row_keeps_typed_lines_and_offers_one_more_blank_row(browser: Browser) -> None:
    office = browser("helper")
    token = csrf_of(office.get("/portal/applications/new").text)
    data = {"csrf_token": token, "op": "add_row", **form_rows(("card_reader", "1", "9800"))}
    r = office.post("/portal/applications", data=data)
    assert r.status_code == 200
    assert 'value="9800"' in r.text and 'id="item-3-kind"' in r.text
    assert 'id="item-4-kind"' not in r.text  # one typed + two blank + the added one


def test_receipt_removal_on_the_page_is_recorded(browser: Browser) -> None:
    office = browser("helper")
    app_id = new_application(office, ("card_reader", "1", "20000"))
    token = csrf_of(office.get(f"/portal/applications/{app_id}").text)
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
