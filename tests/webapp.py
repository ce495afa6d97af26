"""An in-process app on a fresh database of its own, with one account per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.app.factory import create_app
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.pki import chain
from kaigo_kiban.pki.service import IssuedCertificate
from tests.factories import INSURER_NO, make_insurer, make_org

PASSWORD = "Test-Pass-2026!"


def person_token_response(
    client: Any, card: IssuedCertificate, *, sign: str | None = None, **extra: str
) -> Any:
    """What an app the person uses does: take a challenge, sign it with the card, post.

    ``client`` is a TestClient or an ``httpx.Client`` on a running server."""
    challenge = client.post("/api/v1/person/challenge")
    assert challenge.status_code == 201, challenge.text
    return client.post(
        "/api/v1/person/token",
        json={
            "challenge_id": challenge.json()["challenge_id"],
            "certificate_pem": chain.certificate_pem(card.certificate),
            "signature": identity.sign_challenge(card.key, sign or challenge.json()["challenge"]),
            **extra,
        },
    )


def person_headers(client: Any, card: IssuedCertificate, **extra: str) -> dict[str, str]:
    response = person_token_response(client, card, **extra)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class AppHarness:
    client: TestClient
    settings: Settings
    secrets: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.sessions  # type: ignore[attr-defined]

    def otp(self, login_id: str) -> str:
        return pyotp.TOTP(self.secrets[login_id]).now()

    def token(self, login_id: str) -> dict:
        r = self.client.post(
            "/api/v1/auth/token",
            json={"login_id": login_id, "password": PASSWORD, "otp": self.otp(login_id)},
        )
        assert r.status_code == 200, r.text
        return r.json()

    def add_account(
        self, db: Any, organization: Any, login_id: str, job_type: str, **fields: Any
    ) -> Any:
        """A staff account with the test password; its TOTP secret is kept for sign-in."""
        fields.setdefault("display_name", login_id)
        account = accounts.create_account(
            db,
            organization_id=organization.id,
            login_id=login_id,
            job_type=job_type,
            password=PASSWORD,
            **fields,
        )
        self.secrets[login_id] = account.totp_secret
        return account

    def headers(self, login_id: str) -> dict[str, str]:
        """Bearer header; one token per account (a TOTP code is accepted only once)."""
        if login_id not in self.tokens:
            self.tokens[login_id] = self.token(login_id)["access_token"]
        return {"Authorization": f"Bearer {self.tokens[login_id]}"}


def build_app(database_url: str, tmp: Path, **overrides: object) -> AppHarness:
    values: dict[str, object] = {
        "demo_mode": False,
        "secret_key": "t",
        "secure_cookies": False,
        **overrides,
    }
    settings = Settings(database_url=database_url, data_dir=tmp, **values)
    app = create_app(settings)
    harness = AppHarness(TestClient(app), settings)
    with unit_of_work(app.state.sessions) as db:
        make_insurer(db)
        city = make_org(
            db, "municipality", INSURER_NO, "千代田区 介護保険課", insurer_no=INSURER_NO
        )
        cm = make_org(db, "office", "1310000011", "試験居宅介護支援", ("43",))
        helper = make_org(db, "office", "1310000029", "試験訪問介護", ("11",))
        for login_id, org, job in (
            ("city", city, "municipal_staff"),
            ("cm", cm, "care_manager"),
            ("helper", helper, "care_worker"),
        ):
            harness.add_account(db, org, login_id, job)
    return harness
