"""In-process shell tests: one app per module (``tests.webapp``), signed-in clients per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import SESSION_COOKIE
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.ingest.service import ingest_file
from tests.factories import insurance_card_row, write_card_file
from tests.webapp import AppHarness, build_app

PERSON_NO = "0000000001"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> AppHarness:
    """The shared app (demo mode off) with the city, a care manager, a helper and one person."""
    tmp = tmp_path_factory.mktemp("web")
    built = build_app(f"sqlite:///{tmp / 'web.db'}", tmp)
    card = write_card_file(tmp, "insurance_card", [insurance_card_row(PERSON_NO)])
    with unit_of_work(built.sessions()) as db:
        ingest_file(db, card, built.settings, kinds=KINDS, submitted_by="test")
    return built


@pytest.fixture
def anonymous(harness: AppHarness) -> TestClient:
    return TestClient(harness.client.app, follow_redirects=False)


@pytest.fixture
def signed_in(harness: AppHarness) -> Callable[[str], TestClient]:
    """A client holding a fresh web session of ``login_id`` (as after a real sign-in)."""

    def make(login_id: str) -> TestClient:
        with unit_of_work(harness.sessions()) as db:
            account = db.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
            assert account is not None
            secret = accounts.start_web_session(db, harness.settings, account).secret
        client = TestClient(harness.client.app, follow_redirects=False)
        client.cookies.set(SESSION_COOKIE, secret)
        return client

    return make


@pytest.fixture
def demo_harness(tmp_path: Path) -> AppHarness:
    """A separate app whose settings say demo mode (``build_app`` fixes it to off)."""
    built = build_app(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    built.client.app.state.settings = built.settings.model_copy(update={"demo_mode": True})
    return built
