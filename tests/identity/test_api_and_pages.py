"""The identity API and the /office/verify page, in-process on a database of their own."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.identity import api as identity_api
from kaigo_kiban.identity import pages as identity_pages
from kaigo_kiban.identity import service
from kaigo_kiban.identity.models import VerificationAttempt
from kaigo_kiban.pki import chain
from tests.identity.conftest import INSURER_NO, PERSON_A, add_person
from tests.webapp import PASSWORD, AppHarness, build_app

TWINS_BORN = dt.date(1950, 6, 1)


@pytest.fixture
def harness(tmp_path: Path) -> AppHarness:
    h = build_app(f"sqlite:///{tmp_path / 'identity.db'}", tmp_path)
    app = h.client.app
    if not any(getattr(r, "path", None) == "/api/v1/identity/challenges" for r in app.routes):  # type: ignore[attr-defined]
        app.include_router(identity_api.router)  # type: ignore[attr-defined]
        app.include_router(identity_pages.router)  # type: ignore[attr-defined]
    with unit_of_work(h.sessions()) as db:
        add_person(db, PERSON_A, "山田 太郎", "ヤマダ タロウ")
        add_person(db, "0000000201", "鈴木 花子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2")
        add_person(db, "0000000202", "鈴木 華子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2")
    return h


def _card(h: AppHarness) -> tuple[object, str]:
    """A demo card for person A; issuing it installs the demo card CA as a trust anchor (demo
    mode is off here: trust comes from the trust directory only)."""
    with unit_of_work(h.sessions()) as db:
        issued = demo_cards.issue_demo_card(db, h.settings, INSURER_NO, PERSON_A)
    return issued.key, chain.certificate_pem(issued.certificate)


def _attempt_reasons(h: AppHarness) -> list[str]:
    with unit_of_work(h.sessions()) as db:
        return list(db.scalars(select(VerificationAttempt.reason).order_by(VerificationAttempt.id)))


def _login(h: AppHarness, login_id: str) -> str:
    """Sign in through the login form; returns the page's CSRF token."""
    r = h.client.post(
        "/login",
        data={
            "login_id": login_id,
            "password": PASSWORD,
            "otp": h.otp(login_id),
            "next": "/office/verify",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = h.client.get("/office/verify")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_card_verification_over_the_api_and_replay_is_on_record(harness: AppHarness) -> None:
    key, cert = _card(harness)
    headers = harness.headers("cm")

    r = harness.client.post(
        "/api/v1/identity/challenges",
        json={"insurer_no": INSURER_NO, "insured_no": PERSON_A},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    challenge = r.json()
    body = {
        "challenge_id": challenge["challenge_id"],
        "certificate": cert,
        "signature": service.sign_challenge(key, challenge["challenge"]),  # type: ignore[arg-type]
        "service_type": "43",
    }
    verified = harness.client.post(
        "/api/v1/identity/card-verifications", json=body, headers=headers
    )
    replay = harness.client.post("/api/v1/identity/card-verifications", json=body, headers=headers)

    assert verified.status_code == 201, verified.text
    assert verified.json()["verified_by"] == "MYNUMBER_CARD"
    assert replay.status_code == 422
    assert replay.json()["error"]["code"] == "IDV-CHALLENGE-USED"
    assert _attempt_reasons(harness) == ["VERIFIED", "IDV-CHALLENGE-USED"]


def test_four_attributes_over_the_api_register_or_refuse_as_ambiguous(harness: AppHarness) -> None:
    headers = harness.headers("cm")
    person = {
        "insurer_no": INSURER_NO,
        "birth_date": "1945-03-15",
        "sex": "1",
        "address": "千代田区千代田1-1-1",
    }

    ok = harness.client.post(
        "/api/v1/identity/four-attributes",
        json={**person, "name": "山田太郎", "service_type": "43"},
        headers=headers,
    )
    twins = {**person, "birth_date": TWINS_BORN.isoformat(), "sex": "2"}
    ambiguous = harness.client.post(
        "/api/v1/identity/four-attributes",
        json={**twins, "name": "スズキ ハナコ", "service_type": "43"},
        headers=headers,
    )

    assert ok.status_code == 201, ok.text
    assert (ok.json()["insured_no"], ok.json()["verified_by"]) == (PERSON_A, "FOUR_ATTRIBUTES")
    assert ambiguous.status_code == 422
    assert ambiguous.json()["error"] == {
        "code": "IDV-4-AMBIGUOUS",
        "message": "複数の候補があるため確認できません。マイナンバーカードで確認してください",
        "details": None,
    }
    assert _attempt_reasons(harness) == ["VERIFIED", "IDV-4-AMBIGUOUS"]


def test_municipal_staff_cannot_verify(harness: AppHarness) -> None:
    r = harness.client.post(
        "/api/v1/identity/challenges",
        json={"insurer_no": INSURER_NO, "insured_no": PERSON_A},
        headers=harness.headers("city"),
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "IDV-OFFICE-ONLY"


def test_api_without_a_token_asks_for_sign_in(harness: AppHarness) -> None:
    r = harness.client.post(
        "/api/v1/identity/challenges", json={"insurer_no": INSURER_NO, "insured_no": PERSON_A}
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH-REQUIRED"


def test_page_has_both_forms_with_labelled_fields(harness: AppHarness) -> None:
    _login(harness, "cm")
    html = harness.client.get("/office/verify").text

    assert 'action="/office/verify/challenge"' in html
    assert 'action="/office/verify/four-attributes"' in html
    for field in ("insurer_no", "name", "birth_date", "address", "service_type"):
        assert f'<label for="four-{field}">' in html
    assert "<legend>性別</legend>" in html
    assert '<option value="43" >43 居宅介護支援</option>' in html


def test_page_field_errors_are_tied_to_their_fields(harness: AppHarness) -> None:
    csrf = _login(harness, "cm")
    r = harness.client.post(
        "/office/verify/four-attributes",
        data={
            "csrf_token": csrf,
            "insurer_no": INSURER_NO,
            "name": "",
            "birth_date": "1945-13-01",
            "sex": "1",
            "address": "千代田区千代田1-1-1",
            "service_type": "43",
        },
    )

    assert r.status_code == 422
    assert 'aria-describedby="four-name-hint four-name-error" aria-invalid="true"' in r.text
    assert '<p class="field-error" id="four-name-error">氏名を入力してください' in r.text
    assert 'aria-describedby="four-birth_date-error" aria-invalid="true"' in r.text
    assert 'id="four-address-error"' not in r.text
    assert _attempt_reasons(harness) == []


def test_page_four_attributes_success_and_refusal(harness: AppHarness) -> None:
    csrf = _login(harness, "cm")
    form = {
        "csrf_token": csrf,
        "insurer_no": INSURER_NO,
        "sex": "2",
        "birth_date": TWINS_BORN.isoformat(),
        "address": "東京都千代田区千代田一丁目1番1号",
        "service_type": "43",
    }

    refused = harness.client.post(
        "/office/verify/four-attributes", data={**form, "name": "すずき はなこ"}
    )
    verified = harness.client.post(
        "/office/verify/four-attributes", data={**form, "name": "鈴木 華子"}
    )

    assert refused.status_code == 422
    assert "複数の候補があるため確認できません" in refused.text
    assert verified.status_code == 200
    assert "被保険者番号 <strong>0000000202</strong>" in verified.text
    assert _attempt_reasons(harness) == ["IDV-4-AMBIGUOUS", "VERIFIED"]


def test_page_card_flow_shows_the_challenge_and_registers(harness: AppHarness) -> None:
    key, cert = _card(harness)
    csrf = _login(harness, "cm")

    step1 = harness.client.post(
        "/office/verify/challenge",
        data={"csrf_token": csrf, "insurer_no": INSURER_NO, "insured_no": PERSON_A},
    )
    challenge = re.search(r'id="card-challenge" type="text" readonly value="([^"]+)"', step1.text)
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', step1.text)
    assert step1.status_code == 200 and challenge and challenge_id
    step2 = harness.client.post(
        "/office/verify/card",
        data={
            "csrf_token": csrf,
            "challenge_id": challenge_id.group(1),
            "certificate": cert,
            "signature": service.sign_challenge(key, challenge.group(1)),
            "service_type": "43",
        },  # type: ignore[arg-type]
    )

    assert step2.status_code == 200, step2.text
    assert "確認方法: マイナンバーカード" in step2.text


def test_page_post_without_csrf_token_is_refused(harness: AppHarness) -> None:
    _login(harness, "cm")
    r = harness.client.post(
        "/office/verify/challenge",
        data={"insurer_no": INSURER_NO, "insured_no": PERSON_A},
        headers={"accept": "application/json"},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "AUTH-CSRF"
