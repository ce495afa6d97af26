"""Sign-in with ID + password + TOTP, lockout, tokens (60 min / 8 h), refresh, revocation, CSRF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from kaigo_kiban.accounts.models import Credential
from kaigo_kiban.core.database import unit_of_work
from tests.webapp import PASSWORD, AppHarness, build_app


@pytest.fixture
def harness(tmp_path: Path) -> AppHarness:
    return build_app(f"sqlite:///{tmp_path / 'app.db'}", tmp_path)


def test_token_requires_all_three_factors(harness: AppHarness) -> None:
    c = harness.client
    for body in (
        {"login_id": "cm", "password": "wrong", "otp": harness.otp("cm")},
        {"login_id": "cm", "password": PASSWORD, "otp": "000000"},
        {"login_id": "nobody", "password": PASSWORD, "otp": "123456"},
    ):
        r = c.post("/api/v1/auth/token", json=body)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "ACC-LOGIN-FAILED"
    tokens = harness.token("cm")
    assert tokens["expires_in"] == 3600 and tokens["refresh_expires_in"] == 8 * 3600


def test_a_totp_code_is_accepted_once(harness: AppHarness) -> None:
    code = harness.otp("cm")
    body = {"login_id": "cm", "password": PASSWORD, "otp": code}
    assert harness.client.post("/api/v1/auth/token", json=body).status_code == 200
    assert harness.client.post("/api/v1/auth/token", json=body).status_code == 401


def test_lockout_after_repeated_failures(harness: AppHarness) -> None:
    for _ in range(harness.settings.login_max_failures):
        harness.client.post(
            "/api/v1/auth/token", json={"login_id": "cm", "password": "x", "otp": "000000"}
        )
    r = harness.client.post(
        "/api/v1/auth/token",
        json={"login_id": "cm", "password": PASSWORD, "otp": harness.otp("cm")},
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "ACC-LOCKED"


def test_expired_access_token_is_refused_and_refresh_gives_a_new_one(harness: AppHarness) -> None:
    tokens = harness.token("city")
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        harness.client.get("/api/v1/insured/0000000001/cards", headers=auth).status_code == 403
    )  # no such person
    with unit_of_work(harness.sessions()) as db:
        db.execute(
            update(Credential)
            .where(Credential.kind == "access")
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    r = harness.client.get("/api/v1/insured/0000000001/cards", headers=auth)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "AUTH-TOKEN-INVALID")
    fresh = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert fresh.status_code == 200
    auth = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert harness.client.get("/api/v1/insured/0000000001/cards", headers=auth).status_code == 403


def test_revoked_refresh_token_kills_its_access_tokens(harness: AppHarness) -> None:
    tokens = harness.token("city")
    assert (
        harness.client.post(
            "/api/v1/auth/revoke", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 204
    )
    r = harness.client.get(
        "/api/v1/insured/0000000001/cards",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert r.status_code == 401
    assert (
        harness.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 401
    )


def test_web_login_and_csrf_protected_logout(harness: AppHarness) -> None:
    c = harness.client
    r = c.post(
        "/login",
        data={
            "login_id": "city",
            "password": PASSWORD,
            "otp": harness.otp("city"),
            "next": "/municipal/persons",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/municipal/persons"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert c.get("/municipal/persons").status_code == 200
    assert c.post("/logout", data={}, follow_redirects=False).status_code == 403  # no CSRF token
    page = c.get("/municipal/persons").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    r = c.get("/municipal/persons", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_open_redirect_after_login_is_refused(harness: AppHarness) -> None:
    r = harness.client.post(
        "/login",
        data={
            "login_id": "city",
            "password": PASSWORD,
            "otp": harness.otp("city"),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(harness: AppHarness) -> None:
    tokens = harness.token("city")
    first = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert 0 < rotated["refresh_expires_in"] <= tokens["refresh_expires_in"]
    second = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert second.status_code == 200
    newest = second.json()
    # The first refresh token, spent, comes back: someone copied it. Everything goes.
    replay = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "ACC-REFRESH-REUSED")
    for access in (rotated["access_token"], newest["access_token"]):
        r = harness.client.get(
            "/api/v1/insured/0000000001/cards",
            params={"insurer_no": "131016"},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert r.status_code == 401, r.text
    again = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": newest["refresh_token"]}
    )
    assert again.status_code == 401


def test_signing_out_with_any_refresh_token_of_the_sign_in_ends_it(harness: AppHarness) -> None:
    """A client that kept the first refresh token (spent by a rotation) still signs out."""
    tokens = harness.token("city")
    rotated = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json()
    out = harness.client.post(
        "/api/v1/auth/revoke", json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    r = harness.client.get(
        "/api/v1/insured/0000000001/cards",
        params={"insurer_no": "131016"},
        headers={"Authorization": f"Bearer {rotated['access_token']}"},
    )
    assert r.status_code == 401
    again = harness.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert again.status_code == 401
