"""Signing in and out through the pages: next=, CSRF on logout, idle sessions, demo mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kaigo_kiban.accounts.models import Credential, StaffAccount
from kaigo_kiban.core.database import unit_of_work
from tests.web.conftest import PERSON_NO
from tests.web.html import csrf_token_of, read_page
from tests.webapp import PASSWORD, AppHarness


def _next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)["next"][0]


def test_unauthenticated_page_redirects_to_login_and_back_after_sign_in(
    harness: AppHarness, anonymous: TestClient
) -> None:
    target = "/municipal/persons?q=0000"
    first = anonymous.get(target)
    assert first.status_code == 303
    assert _next_of(first.headers["location"]) == target

    login_page = anonymous.get(first.headers["location"])
    assert f'name="next" value="{target}"' in login_page.text
    signed = anonymous.post(
        "/login",
        data={"login_id": "city", "password": PASSWORD, "otp": harness.otp("city"), "next": target},
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == target
    assert f"/municipal/persons/{PERSON_NO}" in anonymous.get(target).text


def test_sign_in_never_sends_the_user_to_another_site(
    harness: AppHarness, anonymous: TestClient
) -> None:
    page = anonymous.get("/login", params={"next": "//evil.example/x"})
    assert 'name="next" value="/"' in page.text


def test_idle_session_redirects_to_login_with_the_page_to_return_to(
    harness: AppHarness, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in("city")
    target = f"/municipal/persons/{PERSON_NO}"
    assert client.get(target).status_code == 200
    idle = dt.timedelta(minutes=harness.settings.session_idle_minutes + 1)
    with unit_of_work(harness.sessions()) as db:
        account_id = db.scalar(select(StaffAccount.id).where(StaffAccount.login_id == "city"))
        db.execute(
            update(Credential)
            .where(Credential.account_id == account_id, Credential.kind == "session")
            .values(last_used_at=dt.datetime.now(dt.UTC) - idle)
        )
    response = client.get(target)
    assert response.status_code == 303
    assert _next_of(response.headers["location"]) == target


def test_logout_without_the_csrf_token_is_refused_and_keeps_the_session(
    signed_in: Callable[[str], TestClient],
) -> None:
    client = signed_in("cm")
    home = client.get("/")
    assert home.status_code == 200

    for data in ({}, {"csrf_token": "forged"}):
        refused = client.post("/logout", data=data)
        assert refused.status_code == 403
        assert read_page(refused.text).lang == "ja"
        assert "AUTH-CSRF" in refused.text
    assert client.get("/").status_code == 200

    done = client.post("/logout", data={"csrf_token": csrf_token_of(home.text)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.get("/").headers["location"] == "/login"


def test_demo_page_and_one_click_sign_in_do_not_exist_when_demo_mode_is_off(
    anonymous: TestClient,
) -> None:
    assert anonymous.get("/demo").status_code == 404
    assert anonymous.post("/demo/login/city").status_code == 404
    assert "kk_session" not in anonymous.cookies
    assert anonymous.get("/").headers["location"] == "/login"
    assert "デモ環境" not in anonymous.get("/login").text


def test_demo_mode_offers_one_click_sign_in_and_says_data_is_synthetic(
    demo_harness: AppHarness,
) -> None:
    client = TestClient(demo_harness.client.app, follow_redirects=False)
    assert client.get("/").headers["location"] == "/demo"
    page = client.get("/demo")
    assert page.status_code == 200
    assert "デモ環境です" in page.text
    assert 'action="/demo/login/cm"' in page.text
    signed = client.post("/demo/login/cm")
    assert signed.status_code == 303
    assert "事業所ホーム" in client.get("/").text
