"""A care manager verifies a new user (4情報, or the demo My Number card) and registers the office.

cm-sato signs in with ID, password and one-time password. The persons come from the demo
database (read-only): qualified, consented, not yet registered to the office, unique by 4情報.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from kaigo_kiban.identity.rules import SEXES
from tests.e2e.browser import (
    INSURER_NO,
    LiveServer,
    Person,
    assert_accessible,
    people_to_verify,
    sign_in_with_form,
)

pytestmark = pytest.mark.e2e

CARE_OFFICE = "1470000011"  # 架空ケアプランセンターみなと (43 居宅介護支援), cm-sato's office


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> list[Person]:
    """Two persons for the two tests, chosen before either registers one."""
    return people_to_verify(live_server, CARE_OFFICE, 2)


def _sign_in_as_care_manager(page: Page) -> None:
    page.goto("/login")
    sign_in_with_form(page, "cm-sato")
    page.wait_for_url("**/")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="本人確認・担当登録"
    ).click()
    page.wait_for_url("**/office/verify")


def _check_registered_and_readable(page: Page, person: Person, method: str) -> None:
    """The person is on the office's list, and the office can now read their cards."""
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="担当利用者"
    ).click()
    page.wait_for_url("**/office/persons")
    row = page.get_by_role("row").filter(has_text=person.insured_no)
    assert method in row.inner_text()
    assert "有効" in row.inner_text()
    row.get_by_role("link").first.click()
    page.wait_for_url("**/office/lookup?*")
    assert page.get_by_role("heading", level=1).inner_text() == "被保険者の照会"
    assert page.get_by_role("alert").count() == 0, page.locator("main").inner_text()
    facts = page.locator("main").inner_text()
    assert person.insured_no in facts
    assert person.birth_date.isoformat() in facts
    assert page.get_by_role("heading", name="被保険者証", level=2).is_visible()
    assert page.get_by_role("heading", name="負担割合証", level=2).is_visible()


def test_four_attribute_check_registers_the_office_which_then_reads_the_cards(
    page: Page, people: list[Person]
) -> None:
    person = people[0]
    _sign_in_as_care_manager(page)
    form = page.get_by_role("region", name="4情報で確認 (カードをお持ちでない方)")

    # Nothing entered: every error sits under its field and is announced with it.
    with page.expect_navigation() as answer:
        form.get_by_role("button", name="4情報で確認して登録").click()
    assert answer.value is not None and answer.value.status == 422
    form = page.get_by_role("region", name="4情報で確認 (カードをお持ちでない方)")
    for field_id in ("four-insurer_no", "four-name", "four-birth_date", "four-address"):
        field = page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true", field_id
        assert f"{field_id}-error" in (field.get_attribute("aria-describedby") or "").split()
        assert page.locator(f"#{field_id}-error").is_visible()
    assert "サービス種類を選択してください" in form.inner_text()

    form.get_by_label("保険者番号 (6桁)").fill(INSURER_NO)
    form.get_by_label("氏名").fill(person.name_kanji)
    form.get_by_label("生年月日").fill(person.birth_date.isoformat())
    form.get_by_role("group", name="性別").get_by_label(SEXES[person.sex]).check()
    form.get_by_label("住所").fill(person.address)
    form.get_by_label("サービス種類").select_option("43")
    form.get_by_role("button", name="4情報で確認して登録").click()

    result = page.locator("#verify-result")
    result.wait_for()
    assert result.get_attribute("role") == "status"
    assert f"被保険者番号 {person.insured_no}" in result.inner_text()
    assert "担当事業所として登録しました" in result.inner_text()
    assert "確認方法: 4情報" in result.inner_text()
    attempts = page.get_by_role("row").filter(has_text=person.insured_no).first.inner_text()
    assert "4情報" in attempts and "確認済み" in attempts
    assert_accessible(page)

    _check_registered_and_readable(page, person, "4情報")


def test_demo_my_number_card_signs_the_challenge_and_registers_the_office(
    page: Page, live_server: LiveServer, people: list[Person]
) -> None:
    """The official method, with ``kaigo-kiban card issue/cert/sign`` playing card and reader."""
    person = people[1]
    card = live_server.data_dir.parent / f"card-{person.insured_no}.pem"
    live_server.cli(
        "card", "issue", "--insurer", INSURER_NO, "--insured", person.insured_no, "--out", str(card)
    )
    certificate = live_server.cli("card", "cert", "--card", str(card))
    assert certificate.startswith("-----BEGIN CERTIFICATE-----")

    _sign_in_as_care_manager(page)
    section = page.get_by_role("region", name="マイナンバーカードで確認")
    section.get_by_label("保険者番号 (6桁)").fill(INSURER_NO)
    section.get_by_label("被保険者番号 (10桁)").fill(person.insured_no)
    section.get_by_role("button", name="確認用の文字列を発行").click()

    challenge = page.get_by_label("確認用の文字列").input_value()
    assert challenge.startswith("kkidv1.")
    signature = live_server.cli("card", "sign", "--card", str(card), "--challenge", challenge)
    section = page.get_by_role("region", name="マイナンバーカードで確認")
    section.get_by_label("利用者証明用電子証明書 (PEM)").fill(certificate)
    section.get_by_label("署名 (base64)").fill(signature.strip())
    section.get_by_label("サービス種類").select_option("43")
    section.get_by_role("button", name="カードで確認して登録").click()

    result = page.locator("#verify-result")
    result.wait_for()
    assert f"被保険者番号 {person.insured_no}" in result.inner_text()
    assert "確認方法: マイナンバーカード" in result.inner_text()
    attempts = page.get_by_role("row").filter(has_text=person.insured_no).first.inner_text()
    assert "カード" in attempts and "確認済み" in attempts

    _check_registered_and_readable(page, person, "マイナンバーカード")
