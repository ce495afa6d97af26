"""What the browser tests share: the live server handle, sign-in, axe-core, layout probes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import Engine, select, update

from kaigo_kiban.accounts.models import Credential, StaffAccount
from kaigo_kiban.cards.models import InsuranceCard
from kaigo_kiban.core.database import make_engine
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.demo.service import DEMO_INSURER, DEMO_PASSWORD, DEMO_TOTP
from kaigo_kiban.registry.models import InsuredPerson

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSURER_NO = DEMO_INSURER[0]
NewContext = Callable[..., BrowserContext]  # the ``new_context`` fixture
BLOCKING_IMPACTS = ("serious", "critical")


def _demo_totp_is_too_short() -> bool:
    padded = DEMO_TOTP + "=" * (-len(DEMO_TOTP) % 8)
    return len(base64.b32decode(padded, casefold=True)) * 8 < pyotp.OTP.min_secret_length_bits


# Known product bug, not a test problem: the published demo secret is 80 bits and pyotp (2.12)
# refuses secrets under 112 bits, so the server answers a real sign-in with 500. Strict: once the
# demo secret is long enough these tests run normally; until then they are expected to fail.
needs_usable_demo_totp = pytest.mark.xfail(
    _demo_totp_is_too_short(),
    reason="demo TOTP secret is shorter than pyotp accepts (fix DEMO_TOTP in demo/service.py)",
    strict=True,
)


def update_docs_screenshots() -> bool:
    return os.environ.get("KK_SCREENSHOTS") == "update"


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    log_path: Path

    def engine(self) -> Engine:
        return make_engine(Settings(database_url=self.database_url))


# ---- signing in ----------------------------------------------------------------------------

_last_step: dict[str, int] = {}


def totp_code(login_id: str) -> str:
    """A one-time password the server has not seen for this account yet.

    The server accepts the previous, current and next 30-second step, each once per account;
    we use the current or the next one so a step boundary during the request does no harm,
    and wait for a new step when both are spent.
    """
    totp = pyotp.TOTP(DEMO_TOTP)
    while True:
        current = int(time.time()) // totp.interval
        step = max(current, _last_step.get(login_id, 0) + 1)
        if step <= current + 1:
            _last_step[login_id] = step
            return totp.generate_otp(step)
        time.sleep((current + 1) * totp.interval - time.time() + 0.1)


def sign_in_with_form(page: Page, login_id: str) -> None:
    """Fill the sign-in form that is on screen (ID + password + TOTP) and submit it."""
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("ワンタイムパスワード").fill(totp_code(login_id))
    page.get_by_role("button", name="ログイン", exact=True).click()


def sign_in_demo(page: Page, login_id: str) -> None:
    """The demo one-click sign-in, without clicking through ``/demo`` (sets the cookie)."""
    response = page.context.request.post(f"/demo/login/{login_id}")
    assert response.ok, response.status


def expire_sessions(server: LiveServer, login_id: str) -> None:
    """Make the account's web sessions idle for two hours, as if the user had left the desk."""
    engine = server.engine()
    try:
        with engine.begin() as conn:
            account_id = conn.scalar(
                select(StaffAccount.id).where(StaffAccount.login_id == login_id)
            )
            idle_since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
            conn.execute(
                update(Credential)
                .where(Credential.account_id == account_id, Credential.kind == "session")
                .values(last_used_at=idle_since)
            )
    finally:
        engine.dispose()


def person_with_card(server: LiveServer) -> tuple[str, str, str]:
    """(insured_no, name_kanji, name_kana) of a demo person who has an insurance card."""
    engine = server.engine()
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(InsuredPerson.insured_no, InsuredPerson.name_kanji, InsuredPerson.name_kana)
                .join(
                    InsuranceCard,
                    (InsuranceCard.insurer_no == InsuredPerson.insurer_no)
                    & (InsuranceCard.insured_no == InsuredPerson.insured_no),
                )
                .where(InsuredPerson.insurer_no == INSURER_NO, InsuredPerson.name_kanji != "")
                .order_by(InsuredPerson.insured_no)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1], row[2]


# ---- accessibility and layout probes ---------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [json.dumps(node["target"], ensure_ascii=False) for node in v["nodes"][:5]]
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} at {', '.join(targets)}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe_violations(violations)}"


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 = no horizontal scrolling)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
    && s.outlineColor !== 'rgba(0, 0, 0, 0)' && s.outlineColor !== 'transparent';
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    id: el.id, visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
    indicator: outline || shadow,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    """The focused element, whether it is on screen, and whether it shows a focus indicator."""
    return page.evaluate(FOCUS_PROBE)
