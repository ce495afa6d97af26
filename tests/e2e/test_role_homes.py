"""Each role's home page: the right heading and menu, accessible, and a screenshot for the docs."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import (
    DOCS_SCREENSHOTS,
    NewContext,
    assert_accessible,
    sign_in_demo,
    sign_in_person,
    update_docs_screenshots,
)

pytestmark = pytest.mark.e2e


class Role(NamedTuple):
    name: str  # of the screenshot: docs/screenshots/<name>-home.png
    login_id: str | None  # None: the person, signed in with the first demo card at /my/login
    heading: str
    menu: tuple[str, ...]  # the entries that come first
    home: str = "/"
    current: str = "ホーム"  # the menu entry of the home page


ROLES = [
    Role(
        "municipality",
        "city-tanaka",
        "市町村ホーム",
        ("ホーム", "被保険者の検索", "ファイル取込", "認定の進捗", "主治医意見書の依頼"),
    ),
    Role(
        "care-manager",
        "cm-sato",
        "事業所ホーム",
        (
            "ホーム",
            "担当利用者",
            "被保険者の照会",
            "本人確認・担当登録",
            "ケアプラン連携",
            "認定の進捗",
        ),
    ),
    Role(
        "service-office",
        "hh-takahashi",
        "事業所ホーム",
        (
            "ホーム",
            "担当利用者",
            "被保険者の照会",
            "本人確認・担当登録",
            "ケアプラン連携",
            "補助金の申請",
        ),
    ),
    Role(
        "clinic",
        "clinic-yamamoto",
        "医療機関ホーム",
        ("ホーム", "意見書の作成依頼", "作成した意見書"),
    ),
    Role("operator", "ops-kobayashi", "運用ホーム", ("ホーム", "補助金の申請")),
    Role(
        "person",
        None,
        "わたしの介護保険の情報",
        ("わたしの情報", "閲覧の記録", "同意の設定", "代理人とお知らせ"),
        home="/me",
        current="わたしの情報",
    ),
]


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_role_home_shows_its_heading_menu_and_passes_axe(page: Page, role: Role) -> None:
    if role.login_id is None:
        sign_in_person(page)
    else:
        sign_in_demo(page, role.login_id)
    page.goto(role.home)
    assert page.get_by_role("heading", level=1).inner_text() == role.heading
    nav = page.get_by_role("navigation", name="メインメニュー")
    labels = [text.strip() for text in nav.get_by_role("link").all_inner_texts()]
    assert tuple(labels[: len(role.menu)]) == role.menu
    current = nav.get_by_role("link", name=role.current, exact=True)
    assert current.get_attribute("aria-current") == "page"
    assert page.locator("header.site").get_by_role("button", name="ログアウト").is_visible()
    assert_accessible(page)
    if update_docs_screenshots():
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{role.name}-home.png"))


def test_office_menu_differs_between_care_manager_and_other_staff(
    page: Page, new_context: NewContext
) -> None:
    """Same office, two job types: the home explains what each job type may read."""
    sign_in_demo(page, "cm-sato")
    page.goto("/")
    care_manager_kinds = page.locator("ul.chips li").all_inner_texts()
    clerk = new_context().new_page()
    sign_in_demo(clerk, "cm-suzuki")
    clerk.goto("/")
    clerk_kinds = clerk.locator("ul.chips li").all_inner_texts()
    assert "被保険者証" in care_manager_kinds
    assert set(clerk_kinds) < set(care_manager_kinds)
