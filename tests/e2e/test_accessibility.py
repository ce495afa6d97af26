"""Accessibility of the shell: axe-core, keyboard-only use, 200% zoom and tablet width, no shifts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import (
    LiveServer,
    NewContext,
    assert_accessible,
    focused,
    horizontal_overflow,
    person_with_card,
    sign_in_demo,
    sign_in_person,
)

pytestmark = pytest.mark.e2e

PERSON = "person"  # the first demo card holder, signed in at /my/login

# (who, path) — the role homes and a municipal person page are checked in their own tests.
AXE_PAGES = [
    (None, "/login"),
    (None, "/login?next=/municipal/persons"),
    (None, "/demo"),
    (None, "/my/login"),
    ("city-tanaka", "/municipal/persons"),
    ("city-tanaka", "/municipal/persons?q=0"),
    ("city-tanaka", "/municipal/ingest"),
    ("city-tanaka", "/municipal/life"),
    ("cm-suzuki", "/"),
    ("cm-sato", "/municipal/persons"),  # the "no access" error page
    ("cm-sato", "/office/verify"),
    ("cm-sato", "/careplan/mailbox"),
    ("clinic-yamamoto", "/clinic/requests"),
    ("hh-takahashi", "/portal/applications"),
    ("hh-takahashi", "/portal/readiness"),
    ("hh-takahashi", "/portal/inquiries"),
    (PERSON, "/me"),
    (PERSON, "/me/access-log"),
    (PERSON, "/me/consent"),
    (PERSON, "/me/settings"),
]


@pytest.mark.parametrize(("who", "path"), AXE_PAGES, ids=[f"{w}:{p}" for w, p in AXE_PAGES])
def test_page_has_no_serious_or_critical_axe_violations(
    page: Page, who: str | None, path: str
) -> None:
    if who == PERSON:
        sign_in_person(page)
    elif who:
        sign_in_demo(page, who)
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page)


@pytest.mark.parametrize(
    ("who", "cases"),
    [("cm-sato", "/office/certifications"), ("city-tanaka", "/municipal/certifications")],
    ids=["office", "municipal"],
)
def test_certification_case_page_has_no_serious_or_critical_axe_violations(
    page: Page, who: str, cases: str
) -> None:
    """A person's 要介護認定 case (timeline, steps), opened from the list of cases."""
    sign_in_demo(page, who)
    page.goto(cases)
    assert_accessible(page)
    page.locator("main tbody tr").first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"{cases}/\d{{10}}"))
    assert "要介護認定" in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)


def _tab_through(page: Page, presses: int) -> list[dict[str, Any]]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        info = focused(page)
        if info:
            seen.append(info)
    return seen


def test_keyboard_alone_reaches_the_main_controls_with_a_visible_focus_ring(page: Page) -> None:
    sign_in_demo(page, "city-tanaka")
    page.goto("/")
    seen = _tab_through(page, 25)  # past the whole municipal menu to the search box

    assert seen[0]["text"] == "本文へ移動"
    texts = [item["text"] for item in seen]
    for control in ("ログアウト", "ホーム", "被保険者の検索", "ファイル取込", "検索"):
        assert control in texts, f"Tab did not reach {control}: {texts}"
    assert "hq" in [item["id"] for item in seen], "Tab did not reach the search box"
    hidden = [item for item in seen if not (item["visible"] and item["indicator"])]
    assert not hidden, f"focus without a visible indicator: {hidden}"


def test_skip_link_moves_focus_to_the_main_content(page: Page) -> None:
    sign_in_demo(page, "city-tanaka")
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.get_by_role("link", name="本文へ移動").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "hq", "the next Tab should land in the main content"


def test_search_and_open_a_person_with_the_keyboard_only(
    page: Page, live_server: LiveServer
) -> None:
    insured_no, name_kanji, _ = person_with_card(live_server)
    sign_in_demo(page, "city-tanaka")
    page.goto("/")
    page.locator("#hq").focus()
    page.keyboard.type(insured_no)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/municipal/persons?q={insured_no}")
    page.locator("#results").get_by_role("link", name=insured_no).wait_for()
    for _ in range(30):  # the menu comes first
        page.keyboard.press("Tab")
        if (focused(page)["tag"], focused(page)["text"]) == ("a", insured_no):
            break
    assert (focused(page)["tag"], focused(page)["text"]) == ("a", insured_no)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/municipal/persons/{insured_no}")
    assert name_kanji in page.get_by_role("heading", level=1).inner_text()


# 640 CSS px at scale 2 is a 1280 px laptop at 200% zoom; 768 is a portrait tablet;
# 320 is the WCAG reflow width (400% zoom).
VIEWPORTS = [
    ("zoom200", {"width": 640, "height": 720}, 2),
    ("tablet", {"width": 768, "height": 1024}, 1),
    ("reflow320", {"width": 320, "height": 640}, 1),
]


@pytest.mark.parametrize(("name", "viewport", "scale"), VIEWPORTS, ids=[v[0] for v in VIEWPORTS])
def test_pages_fit_the_width_without_horizontal_scrolling(
    new_context: NewContext,
    live_server: LiveServer,
    name: str,
    viewport: dict[str, int],
    scale: int,
) -> None:
    insured_no, _, _ = person_with_card(live_server)
    context = new_context(viewport=viewport, device_scale_factor=scale)
    anonymous = context.new_page()
    for path in ("/login", "/demo"):
        anonymous.goto(path)
        assert horizontal_overflow(anonymous) <= 0, f"{path} scrolls sideways at {name}"
        assert_accessible(anonymous)
    anonymous.close()

    tab = context.new_page()
    sign_in_demo(tab, "city-tanaka")
    for path in (
        "/",
        "/municipal/persons?q=0",
        f"/municipal/persons/{insured_no}",
        "/municipal/ingest",
    ):
        tab.goto(path)
        assert horizontal_overflow(tab) <= 0, f"{path} scrolls sideways at {name}"
        assert_accessible(tab)  # e.g. a table that scrolls only on a narrow screen
        logout = tab.get_by_role("button", name="ログアウト").bounding_box()
        assert logout and logout["x"] + logout["width"] <= viewport["width"]


LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


def test_pages_do_not_shift_while_loading(page: Page, live_server: LiveServer) -> None:
    insured_no, _, _ = person_with_card(live_server)
    sign_in_demo(page, "city-tanaka")
    for path in ("/", "/municipal/persons?q=0", f"/municipal/persons/{insured_no}"):
        page.goto(path)
        assert page.evaluate(LAYOUT_SHIFT) < 0.01, path
