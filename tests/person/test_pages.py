"""The portal in the browser: sign-in, my data, who looked, consent, proxies (in-process app)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.app.demo import person as demo
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.identity import service as identity
from kaigo_kiban.registry.models import Organization
from tests.factories import (
    INSURER_NO,
    actor_for,
    copay_card_row,
    ingest,
    insurance_card_row,
    write_card_file,
)
from tests.person.conftest import csrf, form_value, web_sign_in
from tests.webapp import AppHarness, build_app

PERSON = "0000000001"


def _portal(tmp_path: Path, *, demo_mode: bool = True) -> tuple[AppHarness, object]:
    """App with person 0000000001 (要介護1, 1割), consent, the cm office assigned, and a card."""
    harness = build_app(f"sqlite:///{tmp_path / 'p.db'}", tmp_path, demo_mode=demo_mode)
    with unit_of_work(harness.sessions()) as db:
        ingest(
            db,
            write_card_file(
                tmp_path,
                "insurance_card",
                [insurance_card_row(PERSON, cert_valid_to="20991231", valid_to="")],
            ),
            harness.settings,
        )
        ingest(
            db,
            write_card_file(
                tmp_path, "copay_card", [copay_card_row(PERSON, valid_from="20240801", valid_to="")]
            ),
            harness.settings,
        )
        access.record_consent(
            db, INSURER_NO, PERSON, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        cm = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        access.register_assignment(
            db,
            actor_for(cm, "care_manager", service_types=("43",)),
            INSURER_NO,
            PERSON,
            "43",
            "MYNUMBER_CARD",
        )
        card = demo_cards.issue_demo_card(db, harness.settings, INSURER_NO, PERSON)
    return harness, card


def test_sign_in_with_the_card_then_my_data_in_plain_japanese(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    client = harness.client
    assert client.get("/me", follow_redirects=False).headers["location"].startswith("/my/login")
    signed = web_sign_in(client, card)
    assert signed.status_code == 303 and signed.headers["location"] == "/me"
    page = client.get("/me")
    assert page.status_code == 200
    text = page.text
    assert "要介護1: 立ち上がりや歩くことが少し不安定" in text
    assert "負担割合 1割: サービス費用の1割をお支払いいただきます。" in text
    assert "いま、要介護認定の申請はありません。" in text  # certification.views.person_progress
    assert "届いたケアプランはまだありません。" in text  # careplan.service.list_delivered_plans
    assert "福祉用具の購入" in text and "まだ利用はありません" in text
    assert "体の状態の記録（LIFE）" in text
    with unit_of_work(harness.sessions()) as db:
        kinds = set(
            db.scalars(select(AuditEvent.data_kind).where(AuditEvent.actor_kind == "person"))
        )
    assert {"insurance_card", "copay_card", "home_modification", "life"} <= kinds


def test_a_challenge_shown_to_another_browser_is_refused(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    other = TestClient(harness.client.app)
    page = other.get("/my/login")
    from kaigo_kiban.pki import chain

    answer = {
        "challenge_id": form_value(page.text, "challenge_id"),
        "certificate": chain.certificate_pem(card.certificate),
        "signature": identity.sign_challenge(card.key, form_value(page.text, "challenge")),
    }
    refused = harness.client.post("/my/login", data=answer, follow_redirects=False)
    assert refused.status_code == 422 and "PERSON-CHALLENGE-NOT-FOUND" in refused.text


def test_demo_cards_sign_in_only_in_demo_mode(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    cards_dir = demo.demo_cards_dir(harness.settings)
    cards_dir.mkdir(parents=True)
    (cards_dir / "card-a.pem").write_bytes(identity.card_file_bytes(card))
    entry = {"file": "card-a.pem", "label": "試験 花子 さん（ご本人）", "kind": "person"}
    (cards_dir / "index.json").write_text(json.dumps([entry], ensure_ascii=False))
    page = harness.client.get("/my/login")
    assert "デモ用カードでログイン" in page.text and "試験 花子 さん（ご本人）" in page.text
    data = {
        "challenge_id": form_value(page.text, "challenge_id"),
        "challenge": form_value(page.text, "challenge"),
        "card": "card-a.pem",
    }
    signed = harness.client.post("/my/login/demo", data=data, follow_redirects=False)
    assert signed.status_code == 303 and harness.client.get("/me").status_code == 200

    production, _card = _portal(tmp_path / "prod", demo_mode=False)
    assert "デモ用カード" not in production.client.get("/my/login").text
    assert production.client.post("/my/login/demo", data=data).status_code == 404


def test_access_history_lists_offices_with_filters_and_downloads_csv(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    client = harness.client
    url = f"/api/v1/insured/{PERSON}/cards?insurer_no={INSURER_NO}"
    assert client.get(url, headers=harness.headers("cm")).status_code == 200
    assert client.get(url, headers=harness.headers("helper")).status_code == 403
    web_sign_in(client, card)
    page = client.get("/me/access-log")
    assert page.status_code == 200
    assert "試験居宅介護支援" in page.text and "試験訪問介護" in page.text
    assert "介護支援専門員" in page.text and "令和" in page.text
    denied = client.get("/me/access-log", params={"outcome": "denied"}).text
    assert "試験訪問介護" in denied and "試験居宅介護支援" not in denied
    assert "担当事業所として登録されていない" in denied  # the reason, in words
    copay = client.get("/me/access-log", params={"data_kind": "copay_card"}).text
    assert "負担割合証" in copay and "被保険者証</td>" not in copay
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert (
        "この条件にあう記録はありません"
        in client.get("/me/access-log", params={"date_from": tomorrow}).text
    )
    bad = client.get("/me/access-log", params={"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert bad.status_code == 422 and "終わりの日" in bad.text

    csv_response = client.get("/me/access-log.csv", params={"outcome": "denied"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-disposition"].startswith("attachment")
    body = csv_response.content
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("日時（日本時間）,日付（和暦）,見た人・事業所")
    assert all("断られた" in line for line in lines[1:]) and any(
        "試験訪問介護" in line for line in lines
    )
    with unit_of_work(harness.sessions()) as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.data_kind == "access_history", AuditEvent.actor_kind == "person"
            )
        ).all()
    assert len(reads) >= 6 and all(r.outcome == "allowed" for r in reads)


def test_withdrawing_consent_cuts_office_access_at_once_and_the_office_sees_why(
    tmp_path: Path,
) -> None:
    harness, card = _portal(tmp_path)
    person = harness.client
    office = TestClient(harness.client.app)
    cm = harness.headers("cm")
    usage = f"/office/persons/{PERSON}/usage?insurer_no={INSURER_NO}"
    cards = f"/api/v1/insured/{PERSON}/cards?insurer_no={INSURER_NO}"
    assert office.get(usage, headers=cm).status_code == 200
    web_sign_in(person, card)
    page = person.get("/me/consent")
    assert "いまは同意しています" in page.text and "試験居宅介護支援" in page.text
    token = csrf(page.text)
    assert (
        person.post(
            "/me/consent/withdraw", data={"csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert office.get(usage, headers=cm).status_code == 200  # not confirmed: nothing changed
    done = person.post("/me/consent/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert "同意を撤回しました" in done.text

    denied = office.get(usage, headers=cm)
    assert denied.status_code == 403
    assert "本人が同意を撤回したため閲覧できません" in denied.text
    assert (
        "住宅改修費・福祉用具購入費の利用状況" in denied.text
    )  # the office page, not an error page
    api = office.get(cards, headers=cm)
    assert api.status_code == 403 and api.json()["error"]["code"] == "ACCESS-CONSENT-WITHDRAWN"

    person.post("/me/consent/give", data={"csrf_token": token})
    assert office.get(usage, headers=cm).status_code == 200
    page = person.get("/me/consent")
    [action] = re.findall(r'action="(/me/assignments/\d+/end)"', page.text)
    assert "担当を終了しました" in person.post(action, data={"csrf_token": token}).text
    ended = office.get(f"/office/persons/{PERSON}/life?insurer_no={INSURER_NO}", headers=cm)
    assert ended.status_code == 403 and "担当事業所の登録は終了しています" in ended.text
    assert office.get(cards, headers=cm).json()["error"]["code"] == "ACCESS-ASSIGNMENT-ENDED"
    with unit_of_work(harness.sessions()) as db:
        writes = db.scalars(
            select(AuditEvent.reason).where(
                AuditEvent.actor_kind == "person", AuditEvent.action == "write"
            )
        ).all()
    assert writes == ["WITHDRAWN", "GIVEN", "ENDED"]


def test_a_form_without_the_csrf_token_changes_nothing(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    web_sign_in(harness.client, card)
    refused = harness.client.post("/me/consent/withdraw", data={"confirm": "yes"})
    assert refused.status_code == 403
    assert "いまは同意しています" in harness.client.get("/me/consent").text


def test_a_proxy_added_on_the_page_signs_in_and_is_refused_after_revocation(
    tmp_path: Path,
) -> None:
    harness, card = _portal(tmp_path)
    person = harness.client
    web_sign_in(person, card)
    settings_page = person.get("/me/settings")
    token = csrf(settings_page.text)
    until = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    added = person.post(
        "/me/proxies",
        data={
            "csrf_token": token,
            "proxy_name": "試験 花子",
            "relationship": "長女",
            "groups": ["cards", "life"],
            "valid_until": until,
        },
    )
    assert added.status_code == 200
    code = re.search(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", added.text).group(1)  # type: ignore[union-attr]

    proxy = TestClient(harness.client.app)
    proxy_card = demo_cards.issue_proxy_card(harness.settings, "試験 花子")
    assert web_sign_in(proxy, proxy_card, invite=code).status_code == 303
    page = proxy.get("/me")
    assert page.status_code == 200 and "代理人として見ています" in page.text
    assert "代理人として、この情報を見ることは許可されていません。" in page.text  # e.g. usage
    assert "代理人とお知らせの設定は、ご本人だけが変更できます" in proxy.get("/me/settings").text

    [revoke] = re.findall(r'action="(/me/proxies/\d+/revoke)"', person.get("/me/settings").text)
    person.post(revoke, data={"csrf_token": token})
    ended = proxy.get("/me", follow_redirects=False)  # the proxy's session ended with the grant
    assert ended.status_code == 303 and ended.headers["location"].startswith("/my/login")
    again = web_sign_in(proxy, proxy_card)
    assert (
        again.status_code == 422 and "代理人の登録は、ご本人により取り消されています" in again.text
    )
