"""ETags on reads, idempotent writes and cursor pagination of the JSON API (in-process app)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kaigo_kiban.access.models import Consent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.http import idempotency
from kaigo_kiban.http.models import IdempotentResponse
from tests.api.world import KANA, audit_count, build_world
from tests.factories import INSURER_NO

CARDS = "/api/v1/insured/0000000001/cards"


def test_a_repeated_read_with_its_etag_gets_304_without_a_body(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    headers = harness.headers("city")
    first = harness.client.get(CARDS, headers=headers)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    again = harness.client.get(CARDS, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = harness.client.get(CARDS, headers={**headers, "If-None-Match": 'W/"other"'})
    assert other.status_code == 200 and other.json() == first.json()


def test_a_304_is_still_an_audited_read(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    headers = harness.headers("city")
    etag = harness.client.get(CARDS, headers=headers).headers["etag"]
    before = audit_count(harness)
    response = harness.client.get(CARDS, headers={**headers, "If-None-Match": etag})
    assert response.status_code == 304
    assert audit_count(harness) > before


def test_a_denied_read_gets_no_etag(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    response = harness.client.get(
        CARDS, params={"insurer_no": INSURER_NO}, headers=harness.headers("helper")
    )
    assert response.status_code == 403 and "etag" not in response.headers


def _consents(harness) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(harness.sessions()) as db:
        return db.scalar(select(func.count()).select_from(Consent)) or 0


def _consent_body(day: str = "2026-01-05") -> dict[str, str]:
    return {"insurer_no": INSURER_NO, "insured_no": "0000000001", "effective_from": day}


def test_a_repeated_write_with_the_same_key_is_answered_from_the_first(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    headers = {**harness.headers("cm"), "Idempotency-Key": "4f2c1f0e-0001"}
    before = _consents(harness)
    first = harness.client.post("/api/v1/consents", json=_consent_body(), headers=headers)
    again = harness.client.post("/api/v1/consents", json=_consent_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _consents(harness) == before + 1


def test_the_same_key_with_a_different_body_is_refused(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    headers = {**harness.headers("cm"), "Idempotency-Key": "key-2"}
    harness.client.post("/api/v1/consents", json=_consent_body(), headers=headers)
    other = harness.client.post(
        "/api/v1/consents", json=_consent_body("2026-02-01"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "API-IDEMPOTENCY-MISMATCH"


def test_keys_are_per_caller(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    key = {"Idempotency-Key": "shared-key"}
    mine = harness.client.post(
        "/api/v1/consents", json=_consent_body(), headers={**harness.headers("cm"), **key}
    )
    theirs = harness.client.post(
        "/api/v1/consents", json=_consent_body(), headers={**harness.headers("helper"), **key}
    )
    assert mine.status_code == 201
    # The home-service office may not take consent: its own answer, not the other caller's.
    assert theirs.status_code == 403
    assert "idempotent-replayed" not in theirs.headers


def test_a_malformed_key_is_refused_and_a_write_without_a_key_runs_each_time(
    tmp_path: Path,
) -> None:
    harness = build_world(tmp_path)
    bad = harness.client.post(
        "/api/v1/consents",
        json=_consent_body(),
        headers={**harness.headers("cm"), "Idempotency-Key": "has space"},
    )
    assert bad.json()["error"]["code"] == "API-IDEMPOTENCY-KEY-INVALID"
    before = _consents(harness)
    for _ in range(2):
        harness.client.post("/api/v1/consents", json=_consent_body(), headers=harness.headers("cm"))
    assert _consents(harness) == before + 2


def test_an_unauthenticated_write_is_not_remembered(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    response = harness.client.post(
        "/api/v1/consents", json=_consent_body(), headers={"Idempotency-Key": "anon"}
    )
    assert response.status_code == 401
    with unit_of_work(harness.sessions()) as db:
        assert db.scalar(select(func.count()).select_from(IdempotentResponse)) == 0


def test_a_failed_write_is_forgotten_so_the_retry_runs(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    headers = {**harness.headers("cm"), "Idempotency-Key": "retry-me"}
    harness.settings.audit_fail_for_test = True  # the audit append fails: 503, nothing written
    failed = harness.client.post("/api/v1/consents", json=_consent_body(), headers=headers)
    harness.settings.audit_fail_for_test = False
    retried = harness.client.post("/api/v1/consents", json=_consent_body(), headers=headers)
    assert failed.status_code == 503
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


def test_token_requests_are_never_stored(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    body = {"login_id": "city", "password": "x", "otp": "000000"}
    harness.client.post("/api/v1/auth/token", json=body, headers={"Idempotency-Key": "t1"})
    with unit_of_work(harness.sessions()) as db:
        assert db.scalar(select(func.count()).select_from(IdempotentResponse)) == 0


def test_a_key_in_flight_is_reported_running_and_expires_after_a_day(db) -> None:  # type: ignore[no-untyped-def]
    args = ("account:1", "POST", "/api/v1/consents", "k", "fingerprint")
    first = idempotency.claim(db, *args)
    assert first.state == "claimed"
    assert idempotency.claim(db, *args).state == "running"
    idempotency.complete(db, first.row_id, 201, "application/json", b"{}")
    assert idempotency.claim(db, *args).state == "replay"
    row = db.get(IdempotentResponse, first.row_id)
    row.expires_at = row.created_at - dt.timedelta(seconds=1)
    db.flush()
    assert idempotency.claim(db, *args).state == "claimed"


def test_assigned_persons_come_in_pages_that_join_up(tmp_path: Path) -> None:
    harness = build_world(tmp_path, persons=5)
    headers = harness.headers("cm")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = harness.client.get("/api/v1/assigned-persons", params=params, headers=headers).json()
        seen += [p["name_kana"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(KANA)
    assert pages == 3


def test_a_tampered_cursor_is_refused(tmp_path: Path) -> None:
    harness = build_world(tmp_path, persons=3)
    headers = harness.headers("cm")
    cursor = harness.client.get(
        "/api/v1/assigned-persons", params={"limit": 1}, headers=headers
    ).json()["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    response = harness.client.get(
        "/api/v1/assigned-persons", params={"cursor": tampered}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "API-CURSOR-INVALID"


def test_the_cursor_does_not_show_the_name_it_stands_for(tmp_path: Path) -> None:
    harness = build_world(tmp_path, persons=2)
    cursor = harness.client.get(
        "/api/v1/assigned-persons", params={"limit": 1}, headers=harness.headers("cm")
    ).json()["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert KANA[0].encode() not in raw


def test_the_middleware_lets_the_lifespan_through(tmp_path: Path) -> None:
    harness = build_world(tmp_path)
    with TestClient(harness.client.app) as client:  # runs the ASGI lifespan protocol
        assert client.get("/healthz").status_code == 200
