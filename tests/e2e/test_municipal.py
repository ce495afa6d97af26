"""Municipal staff in a real browser: live search (and without JavaScript), cards, file intake."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from kaigo_kiban.cards.formats import INSURANCE_CARD
from tests.e2e.browser import (
    INSURER_NO,
    LiveServer,
    NewContext,
    assert_accessible,
    person_with_card,
    sign_in_demo,
)
from tests.factories import card_file_text, insurance_card_row

pytestmark = pytest.mark.e2e

SEARCH_LABEL = re.compile("被保険者番号 または 氏名")


def test_typing_in_the_search_box_updates_results_in_place(
    page: Page, live_server: LiveServer
) -> None:
    insured_no, name_kanji, _ = person_with_card(live_server)
    sign_in_demo(page, "city-tanaka")
    page.goto("/municipal/persons")
    page.evaluate("() => { window.kkSamePage = true; }")

    page.get_by_label(SEARCH_LABEL).press_sequentially(insured_no[:8])
    link = page.locator("#results").get_by_role("link", name=insured_no)
    link.wait_for()
    page.wait_for_url(f"**/municipal/persons?q={insured_no[:8]}")  # pushed into history
    assert page.evaluate("() => window.kkSamePage === true"), "the page was reloaded"
    assert name_kanji in page.locator("#results").inner_text()
    assert_accessible(page)

    link.click()
    page.wait_for_url(f"**/municipal/persons/{insured_no}")
    assert name_kanji in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="被保険者証", level=2).is_visible()
    assert "令和" in page.locator("main").inner_text()
    assert_accessible(page)


def test_search_works_as_plain_pages_without_javascript(
    new_context: NewContext, live_server: LiveServer
) -> None:
    insured_no, name_kanji, _ = person_with_card(live_server)
    context = new_context(java_script_enabled=False)
    tab = context.new_page()
    sign_in_demo(tab, "city-tanaka")
    tab.goto("/municipal/persons")
    tab.get_by_label(SEARCH_LABEL).fill(insured_no)
    with tab.expect_navigation() as navigation:
        tab.get_by_role("button", name="検索").click()
    # A real document load (htmx would have changed the URL without one).
    assert navigation.value is not None and navigation.value.status == 200
    assert tab.url.endswith(f"/municipal/persons?q={insured_no}")
    tab.locator("#results").get_by_role("link", name=insured_no).click()
    tab.wait_for_url(f"**/municipal/persons/{insured_no}")
    assert name_kanji in tab.get_by_role("heading", level=1).inner_text()


def test_rejected_file_shows_every_error_with_line_column_and_code(page: Page) -> None:
    names = INSURANCE_CARD.names
    rows = [
        insurance_card_row("0999000001", insurer_no=INSURER_NO),
        insurance_card_row("0999000002", insurer_no=INSURER_NO, birth_date="20230230"),
    ]
    content = (card_file_text(INSURANCE_CARD, rows) + "1,2,3\r\n").encode("utf-8")
    file_name = f"insurance_card_{INSURER_NO}_20261125090000_001.csv"

    sign_in_demo(page, "city-tanaka")
    page.goto("/municipal/ingest")
    page.get_by_label(re.compile("送信するファイル")).set_input_files(
        {"name": file_name, "mimeType": "text/csv", "buffer": content}
    )
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="検証して取り込む").click()
    assert navigation.value.status == 422

    report = page.locator("#ingest-result")
    assert file_name in report.inner_text()
    assert "何も変更していません" in report.inner_text()
    headers = report.get_by_role("columnheader").all_inner_texts()
    assert headers[:3] == ["行", "列", "コード"]
    cells = [row.get_by_role("cell").all_inner_texts() for row in report.locator("tbody tr").all()]
    found = {(c[0], c[1], c[2]) for c in cells}
    assert ("3", str(names.index("birth_date") + 1), "ING-DATE") in found
    assert any(c[0] == "4" and c[2] == "ING-COLUMN-COUNT" for c in cells)
    assert_accessible(page)

    page.goto("/")
    assert "取込不可のファイルが" in page.locator("main").inner_text()
