"""A clinic writes a 主治医意見書 online: field errors tied to their fields, a draft, submission."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page

from tests.e2e.browser import assert_accessible, sign_in_demo

pytestmark = pytest.mark.e2e

# The required single choices (field id → option code); 他科受診 "無" needs no department list.
CHOICES = {
    "h_times": "1",
    "h_other_dept": "2",
    "s1_stability": "1",
    "s3_physical": "2",
    "s3_dementia": "2",
    "s3_memory": "1",
    "s3_decision": "1",
    "s3_communication": "1",
    "s3_bpsd": "1",
    "s3_psych": "1",
    "s4_outdoor_walk": "1",
    "s4_wheelchair": "1",
    "s4_eating": "1",
    "s4_nutrition": "1",
    "s4_outlook": "1",
    "s4_infection": "1",
}
LEFT_OUT_CHOICE = "s4_infection"


def _field(page: Page, label: str) -> Locator:
    """A text field by its label (the label also carries the 必須 mark)."""
    return page.get_by_role("textbox", name=re.compile(f"^{label}(必須)?$"))


def _described_by(page: Page, selector: str) -> list[str]:
    return (page.locator(selector).get_attribute("aria-describedby") or "").split()


def test_opinion_form_reports_missing_items_at_their_fields_then_saves_and_submits(
    page: Page,
) -> None:
    sign_in_demo(page, "clinic-yamamoto")
    page.goto("/clinic/requests")
    requests = page.get_by_role("region", name="未提出の依頼")
    first = requests.locator("tbody tr").first
    insured_no = re.search(r"被保険者番号 (\d{10})", first.inner_text()).group(1)
    first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/clinic/requests/\d+$"))
    form_url = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "主治医意見書の作成"
    assert insured_no in page.locator("dl.facts").inner_text()

    written_on = _field(page, "記入日").input_value()
    assert written_on, "the date of writing is prefilled"
    _field(page, "最終診察日").fill(written_on)
    if not _field(page, "医師氏名").input_value():
        _field(page, "医師氏名").fill("山本 医師")
    _field(page, "経過及び治療内容").fill(
        "内服にて血圧は安定。膝関節痛に対し外来でリハビリを継続。"
    )
    for field, code in CHOICES.items():
        if field != LEFT_OUT_CHOICE:
            page.locator(f"#{field}-{code}").check()

    # 診断名1 and 感染症の有無 left empty: submission is refused, nothing is lost.
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="確認して提出する").click()
    assert answer.value is not None and answer.value.status == 422
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert "入力内容を確認してください（2件）" in summary.inner_text()
    assert (
        summary.get_by_role("link", name="診断名1を入力してください").get_attribute("href")
        == "#s1_dx1_name"
    )

    assert page.locator("#s1_dx1_name").get_attribute("aria-invalid") == "true"
    assert "s1_dx1_name-error" in _described_by(page, "#s1_dx1_name")
    assert page.locator("#s1_dx1_name-error").inner_text() == "診断名1を入力してください"
    group = page.locator("fieldset").filter(has=page.locator(f"#{LEFT_OUT_CHOICE}-1"))
    assert f"{LEFT_OUT_CHOICE}-error" in (group.get_attribute("aria-describedby") or "").split()
    assert (
        "感染症の有無を選択してください" in page.locator(f"#{LEFT_OUT_CHOICE}-error").inner_text()
    )
    assert page.locator(f"#{LEFT_OUT_CHOICE}-1").get_attribute("aria-invalid") == "true"
    assert _field(page, "経過及び治療内容").input_value().startswith("内服にて")
    assert page.locator("#s3_physical-2").is_checked()
    assert_accessible(page)

    # A draft may be incomplete; after completing it, it is saved and then submitted.
    page.locator("#s1_dx1_name").fill("変形性膝関節症")
    page.locator(f"#{LEFT_OUT_CHOICE}-{CHOICES[LEFT_OUT_CHOICE]}").check()
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_url(f"{form_url}?saved=1")
    assert page.get_by_role("status").filter(has_text="下書きを保存しました。").is_visible()
    assert page.locator("#s1_dx1_name").input_value() == "変形性膝関節症"
    assert page.locator(f"#{LEFT_OUT_CHOICE}-1").is_checked()

    page.get_by_role("button", name="確認して提出する").click()
    page.wait_for_url(re.compile(r"/clinic/opinions/\d+\?submitted=1$"))
    assert "意見書を提出しました。市町村に届いています。" in page.locator("main").inner_text()
    assert "変形性膝関節症" in page.locator("main").inner_text()

    page.goto("/clinic/requests")
    assert insured_no not in page.get_by_role("region", name="未提出の依頼").inner_text()
