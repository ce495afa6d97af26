"""An integrator follows docs/api.md's worked examples, task by task, against the demo server.

Plain HTTP (the demo runs without TLS), real server process, the demo's accounts and cards.
No browser is driven; the test lives here because it shares the demo server of the browser
tests.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fhirpy import SyncFHIRClient

from kaigo_kiban.app.demo.builder import DEMO_PASSWORD
from tests.e2e.browser import LiveServer, totp_code


def _signed_in(server: LiveServer, login_id: str) -> tuple[httpx.Client, dict[str, str]]:
    """Task 1: ID + password + TOTP → tokens; the client sends the access token."""
    client = httpx.Client(base_url=server.url, timeout=30)
    tokens = client.post(
        "/api/v1/auth/token",
        json={"login_id": login_id, "password": DEMO_PASSWORD, "otp": totp_code(login_id)},
    )
    assert tokens.status_code == 200, tokens.text
    client.headers["Authorization"] = f"Bearer {tokens.json()['access_token']}"
    return client, tokens.json()


def _demo_card(server: LiveServer) -> tuple[str, ec.EllipticCurvePrivateKey, str]:
    """(被保険者番号, key, certificate PEM) of the first demo person's card, read as docs/api.md
    shows (the card reader's part)."""
    cards = server.data_dir / "demo-cards"
    entry = next(e for e in json.loads((cards / "index.json").read_text()) if e["kind"] == "person")
    pem = (cards / entry["file"]).read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    certificate = x509.load_pem_x509_certificates(pem)[0]
    return entry["insured_no"], key, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _sign(key: ec.EllipticCurvePrivateKey, challenge: str) -> str:
    return base64.b64encode(key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))).decode()


def test_tasks_one_to_six_as_a_care_office(live_server: LiveServer) -> None:
    client, tokens = _signed_in(live_server, "cm-sato")
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200 and fresh.json()["access_token"] != tokens["access_token"]

    # 2. My assigned persons, page by page.
    persons, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/assigned-persons",
            params={"limit": 10, **({"cursor": cursor} if cursor else {})},
        ).json()
        persons += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    assert len(persons) > 10 and len({p["insured_no"] for p in persons}) == len(persons)
    person = persons[0]
    query = {"insurer_no": person["insurer_no"], "as_of": dt.date.today().isoformat()}

    # 3. Cards valid on a date, revalidated with the ETag.
    cards = client.get(f"/api/v1/insured/{person['insured_no']}/cards", params=query)
    assert cards.status_code == 200 and cards.json()["insurance_card"]["current"] is not None
    again = client.get(cards.url, headers={"If-None-Match": cards.headers["ETag"]})
    assert again.status_code == 304

    # 4. Certification progress and results.
    case = client.get(
        f"/api/v1/certification/cases/{person['insured_no']}",
        params={"insurer_no": person["insurer_no"]},
    )
    assert case.status_code == 200 and case.json()["person"]["insured_no"] == person["insured_no"]
    assert client.get("/api/v1/certification/cases").status_code == 200
    assert client.get("/api/v1/certification/events").status_code == 200

    # 5. Home-modification and equipment-purchase usage.
    usage = client.get(f"/api/v1/insured/{person['insured_no']}/usage", params=query)
    assert usage.status_code == 200
    assert usage.json()["home_modification"]["allowance_yen"] == 200_000

    # 6. Send a care-plan file (a newer version of the demo's, same bytes), receive it.
    sent = client.get("/api/v1/careplan/sent").json()["files"][0]
    data = client.get(f"/api/v1/careplan/files/{sent['id']}/content").content
    newer = sent["file_name"][: -len("20261126003921.CSV")] + "20991231235959.CSV"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/api/v1/careplan/files", files={"file": (newer, data)}, headers=key)
    assert first.status_code == 201, first.text
    retry = client.post("/api/v1/careplan/files", files={"file": (newer, data)}, headers=key)
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    transfer_id = first.json()["file"]["id"]

    helper, _ = _signed_in(live_server, "hh-takahashi")
    month = newer.split("_")[1]
    received = helper.get("/api/v1/careplan/received", params={"month": month}).json()["files"]
    assert transfer_id in [f["id"] for f in received]
    assert helper.get(f"/api/v1/careplan/files/{transfer_id}/content").content == data
    imported = helper.post(f"/api/v1/careplan/files/{transfer_id}/imported")
    assert imported.status_code == 200 and imported.json()["status"] == "IMPORTED"

    client.post("/api/v1/auth/revoke", json={"refresh_token": tokens["refresh_token"]})
    assert client.get("/api/v1/assigned-persons").status_code == 401


def test_task_seven_and_eight_card_verification_then_the_person_reads_who_looked(
    live_server: LiveServer,
) -> None:
    insured_no, card_key, certificate = _demo_card(live_server)

    # 7. A day-service office verifies the person with the card and registers as assigned.
    office, _ = _signed_in(live_server, "ds-ito")
    challenge = office.post(
        "/api/v1/identity/challenges", json={"insurer_no": "149993", "insured_no": insured_no}
    ).json()
    assignment = office.post(
        "/api/v1/identity/card-verifications",
        json={
            "challenge_id": challenge["challenge_id"],
            "certificate": certificate,
            "signature": _sign(card_key, challenge["challenge"]),
            "service_type": "15",
        },
    )
    assert assignment.status_code == 201, assignment.text
    cards = office.get(f"/api/v1/insured/{insured_no}/cards", params={"insurer_no": "149993"})
    assert cards.status_code == 200

    # 8. The person signs in with the same card and reads who looked.
    api = httpx.Client(base_url=live_server.url, timeout=30)
    ch = api.post("/api/v1/person/challenge").json()
    token = api.post(
        "/api/v1/person/token",
        json={
            "challenge_id": ch["challenge_id"],
            "certificate_pem": certificate,
            "signature": _sign(card_key, ch["challenge"]),
        },
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["acting_for"]["patient"] == f"Patient/149993-{insured_no}"
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {body['access_token']}")
    me = fhir.reference(reference=body["acting_for"]["patient"]).to_resource()
    events = fhir.resources("AuditEvent").search(patient=me.to_reference()).fetch_all()
    seen = {(e["agent"][-1]["who"]["display"], e["entity"][-1]["what"]["display"]) for e in events}
    assert ("架空デイサービスひまわり", "被保険者証") in seen, seen
    revoked = api.post(
        "/api/v1/person/revoke", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert revoked.status_code == 204
