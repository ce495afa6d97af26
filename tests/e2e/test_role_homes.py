"""Each role's home page: the right heading and menu, accessible, and a screenshot for the docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import (
    DOCS_SCREENSHOTS,
    NewContext,
    assert_accessible,
    sign_in_demo,
    update_docs_screenshots,
)

pytestmark = pytest.mark.e2e

# (screenshot name, demo account, heading, menu entries that must be there)
ROLES = [
    ("municipality", "city-tanaka", "市町村ホーム", ["ホーム", "被保険者の検索", "ファイル取込"]),
    ("care-manager", "cm-sato", "事業所ホーム", ["ホーム"]),
    ("service-office", "hh-takahashi", "事業所ホーム", ["ホーム"]),
    ("clinic", "clinic-yamamoto", "医療機関ホーム", ["ホーム"]),
    ("operator", "ops-kobayashi", "運用ホーム", ["ホーム"]),
]


@pytest.mark.parametrize(("role", "login_id", "heading", "menu"), ROLES, ids=[r[0] for r in ROLES])
def test_role_home_shows_its_heading_menu_and_passes_axe(
    page: Page, role: str, login_id: str, heading: str, menu: list[str]
) -> None:
    sign_in_demo(page, login_id)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    nav = page.get_by_role("navigation", name="メインメニュー")
    labels = [text.strip() for text in nav.get_by_role("link").all_inner_texts()]
    assert labels[: len(menu)] == menu
    assert nav.get_by_role("link", name="ホーム").get_attribute("aria-current") == "page"
    assert page.get_by_role("button", name="ログアウト").is_visible()
    assert_accessible(page)
    if update_docs_screenshots():
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{role}-home.png"))


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
