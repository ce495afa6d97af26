"""The insured person's portal: demo card sign-in, who looked at my data (filters, CSV), consent.

Withdrawing consent changes what offices may read, so that test uses the last demo card holder;
the first (preselected on the sign-in page) is left as the demo seeded them.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import (
    INSURER_NO,
    LiveServer,
    NewContext,
    assert_accessible,
    birth_date_of,
    demo_card_holders,
    sign_in_demo,
    sign_in_person,
)

pytestmark = pytest.mark.e2e

CARE_OFFICE_NAME = "架空ケアプランセンターみなと"
CARE_MANAGER = "介護支援専門員"


def _office_looks_up(page: Page, insured_no: str, birth_date: str) -> int:
    answer = page.goto(
        f"/office/lookup?insurer_no={INSURER_NO}&insured_no={insured_no}&birth_date={birth_date}"
    )
    assert answer is not None
    return answer.status


def _log_rows(page: Page) -> list[str]:
    table = page.get_by_role("region", name="情報を見た記録")
    return table.locator("tbody tr").all_inner_texts()


def test_person_sees_who_looked_filters_downloads_and_withdrawing_consent_stops_the_office(
    page: Page, new_context: NewContext, live_server: LiveServer
) -> None:
    insured_no = demo_card_holders(live_server)[-1]
    birth_date = birth_date_of(live_server, insured_no).isoformat()
    care_manager = new_context().new_page()
    sign_in_demo(care_manager, "cm-sato")
    assert _office_looks_up(care_manager, insured_no, birth_date) == 200
    assert care_manager.get_by_role("heading", name="被保険者証", level=2).is_visible()

    sign_in_person(page, insured_no)
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="閲覧の記録"
    ).click()
    page.wait_for_url("**/me/access-log")
    assert page.get_by_role("heading", level=1).inner_text() == "だれが情報を見たか"
    office_rows = [r for r in _log_rows(page) if CARE_OFFICE_NAME in r]
    assert office_rows, "the care office's lookup is not in the person's history"
    assert any(CARE_MANAGER in r and "見ることができた" in r for r in office_rows)
    assert_accessible(page)

    # Filter by data kind with the form (a plain GET form: the URL says what is shown).
    page.get_by_label("情報の種類").select_option(label="被保険者証")
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_url("**/me/access-log?*data_kind=insurance_card*")
    rows = _log_rows(page)
    assert rows and all("被保険者証" in r for r in rows)
    assert any(CARE_OFFICE_NAME in r for r in rows)

    # The CSV of what is shown: Excel-friendly (BOM), the same office in it.
    link = page.get_by_role("link", name="この一覧をダウンロード（Excel で開けるCSV）")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith(f"access-history-{insured_no}-")
    answer = page.context.request.get(link.get_attribute("href") or "")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.body().startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(answer.body().decode("utf-8-sig"))))
    assert records and all(r["情報の種類"] == "被保険者証" for r in records)
    assert any(
        r["見た人・事業所"] == CARE_OFFICE_NAME and r["職種"] == CARE_MANAGER for r in records
    )

    # Withdraw consent: offices may no longer read anything.
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="同意の設定"
    ).click()
    page.wait_for_url("**/me/consent")
    page.get_by_label("同意をやめると、すべての事業所がすぐに情報を見られなくなる").check()
    page.get_by_role("button", name="同意をやめる（撤回する）").click()
    page.wait_for_url("**/me/consent?done=withdrawn")
    assert "同意を撤回しました" in page.locator("main").inner_text()
    assert "いまは同意していません" in page.locator("main").inner_text()

    # The lookup page itself, with a plain message in Japanese (not an error page).
    assert _office_looks_up(care_manager, insured_no, birth_date) == 200
    assert care_manager.get_by_role("heading", level=1).inner_text() == "被保険者の照会"
    message = care_manager.get_by_role("alert")
    assert "本人が同意を撤回したため閲覧できません" in message.inner_text()
    assert care_manager.get_by_role("heading", name="被保険者証", level=2).count() == 0

    # ... and the refusal is in the person's history too.
    page.goto("/me/access-log")
    page.get_by_label("結果").select_option(label="断られた（見られなかった）")
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_url("**/me/access-log?*outcome=denied*")
    denied = [r for r in _log_rows(page) if CARE_OFFICE_NAME in r]
    assert denied and all("断られた" in r for r in _log_rows(page))
    assert "本人が同意を撤回したため閲覧できません" in denied[0]


def test_person_menu_marks_only_the_open_page_as_current(page: Page) -> None:
    sign_in_person(page)
    nav = page.get_by_role("navigation", name="メインメニュー")
    for path, label in (("/me", "わたしの情報"), ("/me/access-log", "閲覧の記録")):
        page.goto(path)
        assert nav.locator("a[aria-current=page]").all_inner_texts() == [label], path


def test_person_menu_stays_in_the_portal(page: Page) -> None:
    sign_in_person(page)
    links = page.get_by_role("navigation", name="メインメニュー").get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert hrefs and all(h.startswith("/me") for h in hrefs), hrefs
    links.first.click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/me"), page.url
