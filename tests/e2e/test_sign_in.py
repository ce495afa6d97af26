"""Signing in and out in a real browser: TOTP, demo one-click, CSRF on logout, expired sessions."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from playwright.sync_api import Page

from kaigo_kiban.app.demo.builder import DEMO_TOTP
from tests.e2e.browser import (
    LiveServer,
    expire_sessions,
    person_with_card,
    sign_in_demo,
    sign_in_with_form,
)

pytestmark = pytest.mark.e2e


def _wrong_code() -> str:
    totp = pyotp.TOTP(DEMO_TOTP)
    now = time.time()
    valid = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def _login_returning_to(target: str) -> Callable[[str], bool]:
    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path == "/login" and parse_qs(parts.query).get("next") == [target]

    return matches


def test_sign_in_with_id_password_and_one_time_password_lands_on_home(page: Page) -> None:
    page.goto("/login")
    sign_in_with_form(page, "tokuyo-watanabe")
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "事業所ホーム"
    assert "渡辺 支援子" in page.locator("header.site").inner_text()


def test_wrong_one_time_password_is_refused_with_a_message_and_keeps_the_id(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("ログインID").fill("ds-ito")
    page.get_by_label("パスワード", exact=True).fill("Demo-Pass-2026!")
    page.get_by_label("ワンタイムパスワード").fill(_wrong_code())
    with page.expect_response(
        lambda r: r.url.endswith("/login") and r.request.method == "POST"
    ) as answer:
        page.get_by_role("button", name="ログイン", exact=True).click()
    assert answer.value.status == 401
    assert "正しくありません" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("ログインID").input_value() == "ds-ito"


def test_demo_one_click_sign_in_from_the_demo_page(page: Page) -> None:
    page.goto("/")
    page.wait_for_url("**/demo")
    page.get_by_role("button", name=re.compile("この利用者でログイン.*佐藤 ケア子")).click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "事業所ホーム"
    assert "佐藤 ケア子" in page.locator("header.site").inner_text()


def test_logout_without_the_csrf_token_is_refused_and_with_it_ends_the_session(page: Page) -> None:
    sign_in_demo(page, "ops-kobayashi")
    page.goto("/")
    forged = page.context.request.post("/logout", max_redirects=0)
    assert forged.status == 403
    page.reload()
    assert page.get_by_role("button", name="ログアウト").is_visible()

    session_cookie = next(c for c in page.context.cookies() if c["name"] == "kk_session")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/login")
    # The old cookie no longer works: the session was revoked on the server, not only forgotten.
    page.context.add_cookies([session_cookie])
    page.goto("/")
    page.wait_for_url("**/demo")
    assert page.get_by_role("button", name="ログアウト").count() == 0


def test_expired_session_returns_to_the_requested_page_after_sign_in(
    page: Page, live_server: LiveServer
) -> None:
    insured_no, name_kanji, _ = person_with_card(live_server)
    target = f"/municipal/persons/{insured_no}"
    sign_in_demo(page, "city-tanaka")
    page.goto(target)
    expire_sessions(live_server, "city-tanaka")

    page.goto(target)
    page.wait_for_url(_login_returning_to(target))
    assert page.get_by_role("heading", level=1).inner_text() == "ログイン"
    sign_in_with_form(page, "city-tanaka")
    page.wait_for_url(f"**{target}")
    assert name_kanji in page.get_by_role("heading", level=1).inner_text()


def test_expired_session_during_a_live_search_goes_to_sign_in_and_back(
    page: Page, live_server: LiveServer
) -> None:
    sign_in_demo(page, "city-tanaka")
    page.goto("/municipal/persons")
    expire_sessions(live_server, "city-tanaka")

    page.get_by_label(re.compile("被保険者番号")).press_sequentially("01")
    page.wait_for_url(_login_returning_to("/municipal/persons"))
    sign_in_with_form(page, "city-tanaka")
    page.wait_for_url("**/municipal/persons")
    assert page.get_by_role("heading", level=1).inner_text() == "被保険者の検索"
