"""An in-process app on a fresh database of its own, with one account per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import SESSION_COOKIE
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.app.factory import create_app
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.pki import chain
from kaigo_kiban.pki.service import IssuedCertificate
from kaigo_kiban.readiness.pages import readiness_today
from kaigo_kiban.subsidies.api import subsidy_today
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


PORTAL_DAY = dt.date(2026, 6, 1)  # inside the 令和8年度 subsidy round (2026-05-07 to 2027-03-12)


def build_portal_app(tmp: Path) -> AppHarness:
    """build_app plus an operator ("ops") and a clinic ("clinic"); "helper" (訪問介護) applies
    and "cm" is the other office. The day of the subsidy and readiness pages is PORTAL_DAY
    (``dependency_overrides``; clear them when done)."""
    harness = build_app(f"sqlite:///{tmp / 'portal.db'}", tmp, upload_max_bytes=4096)
    with unit_of_work(harness.sessions()) as db:
        ops = make_org(db, "operator", "OPTEST", "試験運用チーム")
        clinic = make_org(db, "medical", "1310000052", "試験内科クリニック")
        clinic.beds = 0
        for login_id, org, job in (("ops", ops, "operator"), ("clinic", clinic, "physician")):
            harness.add_account(db, org, login_id, job)
    overrides = harness.client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[subsidy_today] = lambda: PORTAL_DAY
    overrides[readiness_today] = lambda: PORTAL_DAY
    return harness


def browser_session(harness: AppHarness, login_id: str | None) -> TestClient:
    """A client as a browser: with a fresh web session of ``login_id`` (None: anonymous)."""
    client = TestClient(harness.client.app, follow_redirects=False)
    if login_id is None:
        return client
    with unit_of_work(harness.sessions()) as db:
        account = db.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
        assert account is not None
        secret = accounts.start_web_session(db, harness.settings, account).secret
    client.cookies.set(SESSION_COOKIE, secret)
    return client


# Fixtures of the subsidies, readiness and help-desk page tests (their conftests import them).


@pytest.fixture(scope="module")
def portal_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHarness]:
    harness = build_portal_app(tmp_path_factory.mktemp("portal"))
    yield harness
    harness.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.fixture
def browser(portal_app: AppHarness) -> Callable[[str | None], TestClient]:
    """A client as a browser: ``browser("helper")`` signed in, ``browser(None)`` anonymous."""
    return lambda login_id: browser_session(portal_app, login_id)
