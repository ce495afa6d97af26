"""Subsidy application: the office edits its draft with a live calculation, attaches a receipt
and applies; the operator finds it and starts the review."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page

from tests.e2e.browser import NewContext, assert_accessible, sign_in_demo

pytestmark = pytest.mark.e2e

# A one-page PDF: enough for the receipt type check (synthetic).
RECEIPT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
RECEIPT_NAME = "receipt-e2e-reader.pdf"


def _amount(text: str) -> int:
    return int(text.split("円")[0].replace(",", ""))


def _fact(panel: Locator, term: str) -> int:
    """An amount in the calculation panel, by the start of its term (補助対象経費, …)."""
    return _amount(panel.locator(f"dt:text-matches('^{term}') + dd").inner_text())


def test_office_sees_the_live_grant_calculation_applies_and_the_operator_reviews(
    page: Page, new_context: NewContext
) -> None:
    sign_in_demo(page, "hh-takahashi")
    page.goto("/portal/applications")
    drafts = page.get_by_role("row").filter(has_text="下書き")
    drafts.first.get_by_role("link", name=re.compile(r"^No\.\d+")).click()
    page.wait_for_url(re.compile(r"/portal/applications/\d+$"))
    app_url = page.url
    app_no = page.get_by_role("heading", level=1).inner_text().split()[1]  # "No.1"

    # The demo draft claims four card readers: the stored calculation says why it is less.
    estimate = page.locator("#estimate")
    reasons = estimate.locator("#estimate-reasons")
    assert "PT-READER-LIMIT" in reasons.inner_text()
    assert "カードリーダーは3台までが補助対象です" in reasons.inner_text()
    assert "PT-CAP-APPLIED" in reasons.inner_text()
    eligible = _fact(estimate, "補助対象経費")
    assert _amount(estimate.locator("#grant-amount").inner_text()) == _fact(estimate, "補助上限額")
    assert_accessible(page)

    # Three readers for the same total: recalculated as the user types, nothing saved yet.
    readers = page.locator("tbody tr").filter(
        has=page.locator("select[name=kind] option[value=card_reader]:checked")
    )
    quantity = readers.get_by_label(re.compile("数量"))
    assert quantity.input_value() == "4"
    quantity.fill("3")
    page.get_by_text("入力中の内容で計算しています（まだ保存していません）").wait_for()
    assert "PT-READER-LIMIT" not in estimate.inner_text()
    assert "PT-CAP-APPLIED" in estimate.inner_text()
    assert _fact(estimate, "補助対象経費") > eligible, "all three readers count now"

    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(f"{app_url}?saved=1")
    assert "PT-READER-LIMIT" not in page.locator("#estimate").inner_text()

    page.get_by_label("領収書のファイル").set_input_files(
        {"name": RECEIPT_NAME, "mimeType": "application/pdf", "buffer": RECEIPT_PDF}
    )
    page.get_by_role("button", name="添付する").click()
    page.get_by_role("link", name=RECEIPT_NAME).wait_for()

    actions = page.get_by_role("region", name="申請", exact=True)
    actions.get_by_role("button", name="申請する").click()
    page.wait_for_url(f"{app_url}?done=submit")
    assert "申請しました。審査の結果をお待ちください。" in page.locator("main").inner_text()
    assert "申請済" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("button", name="保存する").count() == 0, "still editable"

    operator = new_context().new_page()
    sign_in_demo(operator, "ops-kobayashi")
    operator.goto("/portal/applications")
    operator.get_by_label("状態で絞り込む").select_option(label="申請済")
    operator.get_by_role("button", name="表示").click()
    row = operator.get_by_role("row").filter(has_text="架空ヘルパーステーションあおば")
    assert "申請済" in row.inner_text()
    row.get_by_role("link", name=app_no, exact=True).click()
    operator.wait_for_url(app_url)
    assert RECEIPT_NAME in operator.get_by_role("region", name="領収書", exact=True).inner_text()
    review = operator.get_by_role("region", name="審査", exact=True)
    review.get_by_role("button", name="審査を開始する").click()
    operator.wait_for_url(f"{app_url}?done=start_review")
    assert "審査を開始しました。" in operator.locator("main").inner_text()
    assert "審査中" in operator.get_by_role("heading", level=1).inner_text()
    assert_accessible(operator)

    page.reload()
    assert "審査中" in page.get_by_role("heading", level=1).inner_text()
