"""An outside integrator against a real server process: httpx for REST, fhirpy for FHIR.

The database is seeded in this process (tests/fhir/world.py: cards through the real intake,
consent, an assignment, three staff accounts), then ``kaigo-kiban serve`` runs on it on a
free port. The access history is read twice: as the municipality, and as the person after a
card sign-in over the API (a card CA installed as the deployment's trust anchor).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest
from fhirpy import SyncFHIRClient

from kaigo_kiban.pki.service import IssuedCertificate
from tests.factories import INSURER_NO
from tests.fhir.validate import valid
from tests.fhir.world import INSURED_NO, INSURED_SYSTEM, PATIENT_ID, build_world, person_card
from tests.webapp import PASSWORD, person_headers

START_SECONDS = 60


@dataclass
class Server:
    url: str
    secrets: dict[str, str]
    card: IssuedCertificate
    tokens: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path) -> str:
    return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-30:])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("fhir-server")
    database_url = f"sqlite:///{tmp / 'server.db'}"
    harness = build_world(database_url, tmp)
    card = person_card(harness, tmp)
    harness.client.app.state.engine.dispose()  # type: ignore[attr-defined]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KK_")}
    env.update(KK_SECRET_KEY="fhir-client-test", KK_DATA_DIR=str(tmp), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "kaigo_kiban.app.cli", "--db", database_url, "serve"]
    command += ["--port", str(port), "--host", "127.0.0.1"]
    log_path = tmp / "server.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=tmp, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(f"サーバが起動前に終了しました:\n{_tail(log_path)}")
                try:
                    if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"サーバが応答しません:\n{_tail(log_path)}")
                time.sleep(0.25)
            yield Server(url, harness.secrets, card)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _token(server: Server, login_id: str) -> str:
    """One token per account: a TOTP code is accepted only once."""
    if login_id not in server.tokens:
        response = httpx.post(
            f"{server.url}/api/v1/auth/token",
            json={
                "login_id": login_id,
                "password": PASSWORD,
                "otp": pyotp.TOTP(server.secrets[login_id]).now(),
            },
        )
        assert response.status_code == 200, response.text
        server.tokens[login_id] = response.json()["access_token"]
    return server.tokens[login_id]


def test_an_integrator_finds_the_patient_follows_to_coverage_and_reads_the_history(
    server: Server,
) -> None:
    client = SyncFHIRClient(f"{server.url}/fhir", authorization=f"Bearer {_token(server, 'city')}")
    assert client.resources("Patient").search(identifier="0").fetch() == []

    patient = (
        client.resources("Patient").search(identifier=f"{INSURED_SYSTEM}|{INSURED_NO}").first()
    )
    assert patient is not None and patient.id == PATIENT_ID
    valid(patient.serialize())

    [coverage] = (
        client.resources("Coverage")
        .search(beneficiary=patient.to_reference(), date="2025-09-01")
        .fetch()
    )
    valid(coverage.serialize())
    assert coverage["class"][0]["name"] == "要介護2"
    assert coverage["costToBeneficiary"][0]["valueQuantity"]["value"] == 20
    insurer = coverage["payor"][0].to_resource()
    assert insurer["identifier"][0]["value"] == INSURER_NO

    history = client.resources("Coverage").search(patient=patient.to_reference()).limit(1)
    assert [c.id for c in history.fetch_all()] == [f"{PATIENT_ID}-2", f"{PATIENT_ID}-1"]

    events = client.resources("AuditEvent").search(patient=patient.to_reference()).limit(2)
    read = events.fetch_all()
    assert len(read) >= 4  # assignment, searches and reads above, this search itself
    assert all(e["entity"][0]["what"]["reference"] == f"Patient/{PATIENT_ID}" for e in read)
    assert {e["subtype"][0]["code"] for e in read} >= {"read", "search-type"}


def test_the_person_signs_in_with_the_card_and_reads_who_looked(server: Server) -> None:
    office = {"Authorization": f"Bearer {_token(server, 'cm')}"}
    params = {"insurer_no": INSURER_NO, "as_of": "2025-09-01"}
    read = httpx.get(
        f"{server.url}/api/v1/insured/{INSURED_NO}/cards", params=params, headers=office
    )
    assert read.status_code == 200

    with httpx.Client(base_url=server.url) as http:
        person = person_headers(http, server.card)
        assert http.get("/api/v1/assigned-persons", headers=person).status_code == 403
    client = SyncFHIRClient(f"{server.url}/fhir", authorization=person["Authorization"])
    patient = (
        client.resources("Patient").search(identifier=f"{INSURED_SYSTEM}|{INSURED_NO}").first()
    )
    assert patient is not None and patient.id == PATIENT_ID
    [coverage] = client.resources("Coverage").search(beneficiary=patient.to_reference()).fetch()[:1]
    valid(coverage.serialize())

    events = client.resources("AuditEvent").search(patient=patient.to_reference()).fetch_all()
    for event in events:
        valid(event.serialize())
    seen = {
        (e["agent"][-1]["who"]["display"], e["entity"][-1]["detail"][0]["valueString"])
        for e in events
    }
    assert ("試験居宅介護支援", "insurance_card") in seen, seen  # the office's read above
    assert ("本人", "access_history") in seen  # this very search is on record too

    other = httpx.get(
        f"{server.url}/fhir/Patient/{INSURER_NO}-0000000002", headers=person
    )  # nobody's, or somebody else's: never shown
    assert other.status_code == 403


def test_rest_reads_carry_an_etag_and_writes_a_replayable_key(server: Server) -> None:
    headers = {"Authorization": f"Bearer {_token(server, 'cm')}"}
    with httpx.Client(base_url=server.url, headers=headers) as rest:
        persons = rest.get("/api/v1/assigned-persons", params={"limit": 10}).json()
        assert [p["insured_no"] for p in persons["items"]] == [INSURED_NO]
        cards = rest.get(
            f"/api/v1/insured/{INSURED_NO}/cards",
            params={"insurer_no": INSURER_NO, "as_of": "2025-09-01"},
        )
        assert cards.json()["insurance_card"]["current"]["care_level"] == "22"
        again = rest.get(
            f"/api/v1/insured/{INSURED_NO}/cards",
            params={"insurer_no": INSURER_NO, "as_of": "2025-09-01"},
            headers={"If-None-Match": cards.headers["ETag"]},
        )
        assert again.status_code == 304
        body = {"insurer_no": INSURER_NO, "insured_no": INSURED_NO, "effective_from": "2026-04-01"}
        key = {"Idempotency-Key": "0d3c4a52-real-client"}
        first = rest.post("/api/v1/consents", json=body, headers=key)
        retry = rest.post("/api/v1/consents", json=body, headers=key)
        assert first.status_code == retry.status_code == 201
        assert retry.json()["id"] == first.json()["id"]


def test_a_caller_without_a_token_gets_an_operation_outcome(server: Server) -> None:
    response = httpx.get(f"{server.url}/fhir/Patient", params={"identifier": INSURED_NO})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert valid(response.json())["issue"][0]["details"]["coding"][0]["code"] == "AUTH-REQUIRED"
    assert httpx.get(f"{server.url}/fhir/metadata").status_code == 200
