"""Portal fixtures: applicant organisations, an operator and a municipality (all synthetic),
on the ``db`` fixture for service tests and on an in-process app for API and page tests."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import SESSION_COOKIE
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.portal import service
from kaigo_kiban.portal.api import portal_today
from kaigo_kiban.registry.models import Organization
from tests.factories import actor_for, make_org
from tests.webapp import AppHarness, build_app

IN_ROUND = dt.date(2026, 6, 1)  # 令和8年度 round (2026-05-07 to 2027-03-12)
BETWEEN_ROUNDS = dt.date(2026, 4, 1)  # after 令和7年度 closed, before 令和8年度 opened

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@dataclass
class World:
    visit: Actor  # 訪問介護 (11): 訪問・通所・短期滞在系, 3 readers, 64,000 円
    residential: Actor  # 特養 (51): 居住・入所系, 2 readers, 55,000 円
    clinic: Actor  # 診療所, 0 beds: 3/4, 398,000 円
    other: Actor  # another office
    operator: Actor
    city: Actor


def _staff(org: Organization, job: str, types: tuple[str, ...] = ()) -> Actor:
    return actor_for(org, job, service_types=types)


@pytest.fixture
def world(db: Session) -> World:
    visit = make_org(db, "office", "1310000037", "試験ヘルパーステーション", ("11",))
    residential = make_org(db, "office", "1310000045", "試験特別養護老人ホーム", ("51",))
    clinic = make_org(db, "medical", "1310000052", "試験内科クリニック")
    clinic.beds = 0
    other = make_org(db, "office", "1310000060", "試験デイサービス", ("15",))
    ops = make_org(db, "operator", "OPTEST", "試験運用チーム")
    city = make_org(db, "municipality", "139999", "試験市 介護保険課")
    db.flush()
    operator = Actor(
        kind="operator",
        display_name="試験 運用",
        organization_id=ops.id,
        organization_kind="operator",
        organization_code=ops.code,
        organization_name=ops.name,
        job_type="operator",
    )
    return World(
        _staff(visit, "manager", ("11",)),
        _staff(residential, "manager", ("51",)),
        _staff(clinic, "medical_clerk"),
        _staff(other, "manager", ("15",)),
        operator,
        _staff(city, "municipal_staff"),
    )


def item(kind: str, amount: int, quantity: int = 1, description: str = "") -> service.ItemInput:
    return service.ItemInput(kind, quantity, amount, description)


def with_receipt(db: Session, actor: Actor, app_id: int, content: bytes = PDF) -> None:
    service.add_receipt(db, actor, app_id, "receipt.pdf", io.BytesIO(content), max_bytes=1 << 20)


# --- the in-process app -------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHarness]:
    """build_app plus an operator ("ops") and a clinic ("clinic"); "helper" (訪問介護) applies
    and "cm" is the other office. The day is fixed inside the 令和8年度 round."""
    tmp = tmp_path_factory.mktemp("portal")
    harness = build_app(f"sqlite:///{tmp / 'portal.db'}", tmp, upload_max_bytes=4096)
    with unit_of_work(harness.sessions()) as db:
        ops = make_org(db, "operator", "OPTEST", "試験運用チーム")
        clinic = make_org(db, "medical", "1310000052", "試験内科クリニック")
        clinic.beds = 0
        for login_id, org, job in (("ops", ops, "operator"), ("clinic", clinic, "physician")):
            harness.add_account(db, org, login_id, job)
    app = harness.client.app
    app.dependency_overrides[portal_today] = lambda: IN_ROUND  # type: ignore[attr-defined]
    yield harness
    app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.fixture
def browser(portal_app: AppHarness) -> Callable[[str | None], TestClient]:
    """A client as a browser: with a fresh web session of ``login_id`` (None: anonymous)."""

    def make(login_id: str | None) -> TestClient:
        client = TestClient(portal_app.client.app, follow_redirects=False)
        if login_id is None:
            return client
        with unit_of_work(portal_app.sessions()) as db:
            account = db.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
            assert account is not None
            secret = accounts.start_web_session(db, portal_app.settings, account).secret
        client.cookies.set(SESSION_COOKIE, secret)
        return client

    return make


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)
