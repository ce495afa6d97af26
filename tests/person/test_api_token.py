"""The person's API credential: card sign-in over the API, then ``/fhir`` as that person.

In-process app (TestClient) on SQLite; the real-server fhirpy test is tests/fhir/test_real_client.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kaigo_kiban.access import proxies
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.models import PersonSession
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.identity import service as identity
from kaigo_kiban.person import service
from kaigo_kiban.person.models import PersonLoginAttempt
from kaigo_kiban.pki import chain
from kaigo_kiban.pki import service as pki
from tests.factories import INSURER_NO, install_card_trust, make_person
from tests.person.conftest import actor_of, csrf, sign_in, web_sign_in
from tests.person.test_pages import PERSON, _portal
from tests.webapp import AppHarness, person_headers, person_token_response

OTHER = "0000000002"
PATIENT = f"{INSURER_NO}-{PERSON}"


def _challenge(client: Any) -> dict[str, str]:
    response = client.post("/api/v1/person/challenge")
    assert response.status_code == 201, response.text
    return response.json()


def _code(response: Any) -> str:
    return response.json()["issue"][0]["details"]["coding"][0]["code"]


def _events(harness: AppHarness) -> list[AuditEvent]:
    with unit_of_work(harness.sessions()) as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.expunge_all()
    return events


def test_the_person_signs_in_with_the_card_and_reads_only_their_own_data(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path, demo_mode=False)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, OTHER, name_kanji="別人 次郎")
    # Outside demo mode only installed trust anchors count.
    install_card_trust(harness.settings, demo_cards.card_ca_dir(harness.settings))
    client = harness.client

    issued = person_token_response(client, card)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token_type"] == "Bearer" and 3500 < body["expires_in"] <= 3600
    assert body["acting_for"] == {
        "patient": f"Patient/{PATIENT}",
        "name": "山田 太郎",
        "proxy": False,
        "scope": [],
    }
    auth = {"Authorization": f"Bearer {body['access_token']}"}

    patient = client.get(f"/fhir/Patient/{PATIENT}", headers=auth)
    assert patient.status_code == 200 and patient.json()["id"] == PATIENT
    other = client.get(f"/fhir/Patient/{INSURER_NO}-{OTHER}", headers=auth)
    assert other.status_code == 403 and _code(other) == "ACCESS-NOT-SELF"
    history = client.get("/fhir/AuditEvent", params={"patient": f"Patient/{PATIENT}"}, headers=auth)
    assert history.status_code == 200
    readers = {e["resource"]["agent"][0]["who"]["display"] for e in history.json()["entry"]}
    assert {"本人", "試験 職員"} <= readers  # the office assigned itself; the person read

    events = _events(harness)
    denied = next(e for e in reversed(events) if e.outcome == "denied")
    assert (denied.actor_kind, denied.insured_no, denied.reason) == ("person", OTHER, "NOT-SELF")
    # The other person sees that attempt on their own history, not as their own read.
    with unit_of_work(harness.sessions()) as db:
        other_card = demo_cards.issue_demo_card(db, harness.settings, INSURER_NO, OTHER)
    install_card_trust(harness.settings, demo_cards.card_ca_dir(harness.settings))  # + new CRL
    theirs = client.get(
        "/fhir/AuditEvent",
        params={"patient": f"Patient/{INSURER_NO}-{OTHER}"},
        headers=person_headers(client, other_card),
    ).json()["entry"]
    attempt = next(e["resource"] for e in theirs if e["resource"]["outcome"] != "0")
    assert attempt["agent"][0]["who"] == {"display": "ほかの被保険者 (カードでログイン)"}

    # A person's token opens /fhir only, never the staff API.
    staff = client.get("/api/v1/assigned-persons", headers=auth)
    assert staff.status_code == 403
    assert staff.json()["error"]["code"] == "AUTH-PERSON-TOKEN"

    assert client.post("/api/v1/person/revoke", headers=auth).status_code == 204
    after = client.get(f"/fhir/Patient/{PATIENT}", headers=auth)
    assert after.status_code == 401 and _code(after) == "AUTH-TOKEN-INVALID"


def test_a_refused_card_is_on_record_and_the_challenge_is_spent(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)  # demo mode: the demo card CA is trusted
    client = harness.client
    challenge = _challenge(client)
    attempt = {
        "challenge_id": challenge["challenge_id"],
        "certificate_pem": chain.certificate_pem(card.certificate),
        "signature": identity.sign_challenge(card.key, "kkmy1.something-else"),
    }
    bad = client.post("/api/v1/person/token", json=attempt)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "IDV-SIGNATURE-INVALID"
    attempt["signature"] = identity.sign_challenge(card.key, challenge["challenge"])
    again = client.post("/api/v1/person/token", json=attempt)
    assert again.json()["error"]["code"] == "PERSON-CHALLENGE-USED"

    stranger_ca = pki.init_ca(tmp_path / "other-ca", common_name="他の発行元")
    stranger = pki.issue(stranger_ca, "card", ou="card", common_name="不明", years=1)
    untrusted = person_token_response(client, stranger)
    assert untrusted.json()["error"]["code"] == "IDV-CERT-UNTRUSTED"

    with unit_of_work(harness.sessions()) as db:
        reasons = list(db.scalars(select(PersonLoginAttempt.reason)))
    assert reasons == ["IDV-SIGNATURE-INVALID", "PERSON-CHALLENGE-USED", "IDV-CERT-UNTRUSTED"]
    assert client.get(f"/fhir/Patient/{PATIENT}").status_code == 401


def test_a_proxy_token_reads_the_granted_kinds_only(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    settings = harness.settings
    with unit_of_work(harness.sessions()) as db:
        make_person(db, OTHER, name_kanji="別人 次郎")
        person = actor_of(db, settings, sign_in(db, settings, card))
        grant, code = proxies.grant_proxy(
            db,
            settings,
            person,
            proxy_name="試験 花子",
            relationship="長女",
            groups=["cards"],
            valid_until=today_jst() + dt.timedelta(days=30),
        )
    proxy_card = demo_cards.issue_proxy_card(settings, "試験 花子")
    client = harness.client

    someone_else = person_token_response(
        client, proxy_card, invite_code=code, patient=f"Patient/{INSURER_NO}-{OTHER}"
    )
    assert someone_else.status_code == 422
    assert someone_else.json()["error"]["code"] == "PERSON-PATIENT-NOT-ALLOWED"

    issued = person_token_response(
        client, proxy_card, invite_code=code, patient=f"Patient/{PATIENT}"
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["acting_for"]["proxy"] is True
    assert "insurance_card" in issued.json()["acting_for"]["scope"]
    auth = {"Authorization": f"Bearer {issued.json()['access_token']}"}

    coverage = client.get("/fhir/Coverage", params={"patient": f"Patient/{PATIENT}"}, headers=auth)
    assert coverage.status_code == 200 and coverage.json()["total"] == 1
    history = client.get("/fhir/AuditEvent", params={"patient": f"Patient/{PATIENT}"}, headers=auth)
    assert history.status_code == 403 and _code(history) == "ACCESS-PROXY-SCOPE"
    denied = _events(harness)[-1]
    assert (denied.outcome, denied.reason, denied.data_kind) == (
        "denied",
        "PROXY-SCOPE",
        "access_history",
    )
    assert denied.proxy_for == f"proxy:{grant.id} 試験 花子"

    # The person sees the proxy's reads under the proxy's name, not as their own.
    own = person_headers(client, card)
    history = client.get("/fhir/AuditEvent", params={"patient": f"Patient/{PATIENT}"}, headers=own)
    who = [e["resource"]["agent"][0]["who"] for e in history.json()["entry"]]
    proxy_reads = [w for w in who if w["display"] == "試験 花子（長女・代理人）"]
    assert proxy_reads and all("reference" not in w for w in proxy_reads)

    # Revoking the grant ends the proxy's sessions, API tokens included, at once.
    with unit_of_work(harness.sessions()) as db:
        person = actor_of(db, settings, sign_in(db, settings, card))
        proxies.revoke_proxy(db, settings, person, grant.id)
    revoked = client.get(f"/fhir/Patient/{PATIENT}", headers=auth)
    assert revoked.status_code == 401 and _code(revoked) == "AUTH-TOKEN-INVALID"


def test_an_api_token_lasts_sixty_minutes(tmp_path: Path) -> None:
    harness, card = _portal(tmp_path)
    settings = harness.settings
    with unit_of_work(harness.sessions()) as db:
        challenge = service.issue_challenge(db)
        signed = service.sign_in_for_api(
            db,
            settings,
            challenge_id=challenge.challenge_id,
            certificate_pem=chain.certificate_pem(card.certificate),
            signature=identity.sign_challenge(card.key, challenge.challenge),
        )
        start = signed.session.created_at
        assert signed.session.expires_at - start == dt.timedelta(minutes=60)
        for minutes in (25, 50):  # used within the idle timeout: still valid
            assert accounts.resolve_person_session(
                db, settings, signed.secret, now=start + dt.timedelta(minutes=minutes)
            )
        assert (
            accounts.resolve_person_session(
                db, settings, signed.secret, now=start + dt.timedelta(minutes=61)
            )
            is None
        )
    assert utcnow() > start


def test_the_person_sees_the_apps_signed_in_with_their_card_and_signs_one_out(
    tmp_path: Path,
) -> None:
    harness, card = _portal(tmp_path)
    client = harness.client
    app = person_headers(client, card)
    assert client.get(f"/fhir/Patient/{PATIENT}", headers=app).status_code == 200

    assert web_sign_in(client, card).status_code == 303
    page = client.get("/me/settings")
    assert page.status_code == 200
    section = page.text[page.text.index('id="h-sessions"') :]
    rows = re.findall(r"<tr>\s*<td>(アプリ|ブラウザ)(.*?)</td>", section, flags=re.S)
    assert sorted(kind for kind, _ in rows) == ["アプリ", "ブラウザ"]
    assert "この画面" in dict(rows)["ブラウザ"]
    app_session = re.search(r'action="/me/sessions/(\d+)/end"', section)
    assert app_session is not None  # only the other one (the app) can be signed out here

    # Another card's session cannot be ended from here.
    with unit_of_work(harness.sessions()) as db:
        make_person(db, OTHER, name_kanji="別人 次郎")
        other_card = demo_cards.issue_demo_card(db, harness.settings, INSURER_NO, OTHER)
    other_app = person_headers(client, other_card)
    with unit_of_work(harness.sessions()) as db:
        other_id = max(s.id for s in db.scalars(select(PersonSession)))
    refused = client.post(f"/me/sessions/{other_id}/end", data={"csrf_token": csrf(page.text)})
    assert refused.status_code == 404
    assert client.get(f"/fhir/Patient/{INSURER_NO}-{OTHER}", headers=other_app).status_code == 200

    ended = client.post(
        f"/me/sessions/{app_session.group(1)}/end",
        data={"csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/me/settings?done=session"
    gone = client.get(f"/fhir/Patient/{PATIENT}", headers=app)
    assert gone.status_code == 401 and _code(gone) == "AUTH-TOKEN-INVALID"
    assert client.get("/me/settings").status_code == 200  # this browser is still signed in
