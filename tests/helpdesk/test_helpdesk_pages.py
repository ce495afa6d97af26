"""Help-desk pages as a browser uses them: vendors (public list, operators' upkeep),
inquiries (anonymous with a link, signed in with CSRF, answered, promoted) and the FAQ."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.html import assert_labelled, csrf_token_of

Browser = Callable[[str | None], TestClient]


def test_vendor_list_is_public_and_operators_add_vendors(browser: Browser) -> None:
    ops = browser("ops")
    form = ops.get("/portal/vendors/new")
    assert_labelled(form.text)
    token = csrf_token_of(form.text)
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
    assert_labelled(public.text)
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
    assert_labelled(form.text)
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
    token = csrf_token_of(office.get("/portal/inquiries/new").text)
    data = {"category": "PLATFORM", "subject": "接続", "body": "証明書の入れ方"}
    assert office.post("/portal/inquiries", data=data).status_code == 403  # no CSRF token
    r = office.post("/portal/inquiries", data={**data, "csrf_token": token})
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    assert browser("cm").get(url).status_code == 404

    ops = browser("ops")
    ops_token = csrf_token_of(ops.get(url).text)
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
    assert_labelled(faq.text)
