"""Office administrators manage their own staff, and only their own."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.webapp import PASSWORD, AppHarness, build_app


@pytest.fixture
def harness(tmp_path: Path) -> AppHarness:
    h = build_app(f"sqlite:///{tmp_path / 'app.db'}", tmp_path)
    with unit_of_work(h.sessions()) as db:
        org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        h.add_account(db, org, "cm-admin", "manager", display_name="管理者", is_org_admin=True)
    return h


def _login(h: AppHarness, login_id: str) -> str:
    r = h.client.post(
        "/login",
        data={"login_id": login_id, "password": PASSWORD, "otp": h.otp(login_id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = h.client.get("/staff")
    return (
        page.text.split('name="csrf_token" value="')[1].split('"')[0]
        if page.status_code == 200
        else ""
    )


def test_admin_adds_staff_who_can_then_sign_in_with_totp(harness: AppHarness) -> None:
    token = _login(harness, "cm-admin")
    r = harness.client.post(
        "/staff",
        data={
            "csrf_token": token,
            "login_id": "cm-new",
            "display_name": "新人",
            "job_type": "care_manager",
            "password": "New-Pass-2026!",
        },
    )
    assert r.status_code == 201
    secret = r.text.split("この画面でのみ表示）: <code>")[1].split("<")[0]
    body = {"login_id": "cm-new", "password": "New-Pass-2026!", "otp": pyotp.TOTP(secret).now()}
    assert harness.client.post("/api/v1/auth/token", json=body).status_code == 200


def test_weak_password_is_refused_with_a_message(harness: AppHarness) -> None:
    token = _login(harness, "cm-admin")
    r = harness.client.post(
        "/staff",
        data={
            "csrf_token": token,
            "login_id": "x1",
            "display_name": "x",
            "job_type": "clerk",
            "password": "short",
        },
    )
    assert r.status_code == 422 and "ACC-WEAK-PASSWORD" in r.text


def test_deactivation_revokes_tokens_and_other_orgs_are_off_limits(harness: AppHarness) -> None:
    cm_tokens = harness.token("cm")
    token = _login(harness, "cm-admin")
    with unit_of_work(harness.sessions()) as db:
        cm_id = db.scalar(select(StaffAccount.id).where(StaffAccount.login_id == "cm"))
        helper_id = db.scalar(select(StaffAccount.id).where(StaffAccount.login_id == "helper"))
    r = harness.client.post(
        f"/staff/{cm_id}/deactivate", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    r = harness.client.get(
        "/api/v1/assigned-persons", headers={"Authorization": f"Bearer {cm_tokens['access_token']}"}
    )
    assert r.status_code == 401
    r = harness.client.post(
        f"/staff/{helper_id}/deactivate", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 403


def test_non_admin_cannot_open_staff_management(harness: AppHarness) -> None:
    _login(harness, "cm")
    assert harness.client.get("/staff").status_code == 403
