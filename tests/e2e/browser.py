"""What the browser tests share: the live server handle, sign-in, axe-core, layout probes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import aliased

from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.accounts.models import Credential, StaffAccount
from kaigo_kiban.app.demo.builder import DEMO_INSURER, DEMO_PASSWORD, DEMO_TOTP
from kaigo_kiban.cards.models import InsuranceCard
from kaigo_kiban.core.database import make_engine
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson, Organization

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


def update_docs_screenshots() -> bool:
    return os.environ.get("KK_SCREENSHOTS") == "update"


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    log_path: Path
    data_dir: Path  # the server's KK_DATA_DIR (demo card CA, demo cards)

    def engine(self) -> Engine:
        return make_engine(Settings(database_url=self.database_url))

    def cli(self, *args: str) -> str:
        """Run ``kaigo-kiban --db <the server's database> ARGS`` with the server's data dir."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KK_")}
        env["KK_DATA_DIR"] = str(self.data_dir)
        done = subprocess.run(
            [sys.executable, "-m", "kaigo_kiban.app.cli", "--db", self.database_url, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"kaigo-kiban {' '.join(args)}: {done.stderr}"
        return done.stdout


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


@dataclass(frozen=True)
class Person:
    """What an office is told by the person: the 4情報 and the numbers (synthetic)."""

    insured_no: str
    name_kanji: str
    birth_date: dt.date
    sex: str
    address: str


def people_to_verify(server: LiveServer, office_code: str, count: int) -> list[Person]:
    """Demo persons ``office_code`` has not registered for, each certain to verify by 4情報.

    Qualified, with a kanji name, an address and an insurance card, consent given (so the office
    may read their cards once registered), and no other person of the insurer with the same
    birth date and sex (so a 4情報 match cannot be ambiguous).
    """
    person, twin = aliased(InsuredPerson), aliased(InsuredPerson)
    registered = (
        select(Assignment.insured_no)
        .join(Organization, Organization.id == Assignment.organization_id)
        .where(Organization.code == office_code, Assignment.ended_at.is_(None))
    )
    has_card = select(InsuranceCard.insured_no).where(InsuranceCard.insurer_no == INSURER_NO)
    consented = select(Consent.insured_no).where(
        Consent.insurer_no == INSURER_NO, Consent.withdrawn_at.is_(None)
    )
    same_key = (
        select(func.count())
        .select_from(twin)
        .where(
            twin.insurer_no == person.insurer_no,
            twin.birth_date == person.birth_date,
            twin.sex == person.sex,
        )
        .scalar_subquery()
    )
    engine = server.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    person.insured_no,
                    person.name_kanji,
                    person.birth_date,
                    person.sex,
                    person.address,
                )
                .where(
                    person.insurer_no == INSURER_NO,
                    person.disqualified_on.is_(None),
                    person.name_kanji != "",
                    person.address.is_not(None),
                    person.address != "",
                    person.insured_no.in_(has_card),
                    person.insured_no.in_(consented),
                    person.insured_no.not_in(registered),
                    same_key == 1,
                )
                .order_by(person.insured_no)
                .limit(count)
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == count, f"the demo has only {len(rows)} persons to verify"
    return [Person(*row) for row in rows]


def birth_date_of(server: LiveServer, insured_no: str) -> dt.date:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(InsuredPerson.birth_date).where(
                    InsuredPerson.insurer_no == INSURER_NO, InsuredPerson.insured_no == insured_no
                )
            ).scalar_one()
    finally:
        engine.dispose()


def demo_card_holders(server: LiveServer) -> list[str]:
    """Insured numbers of the persons who have a demo card (not the proxy), in the sign-in
    page's order; the first is the one the page preselects."""
    index = json.loads((server.data_dir / "demo-cards" / "index.json").read_text("utf-8"))
    return [entry["insured_no"] for entry in index if entry["kind"] == "person"]


def sign_in_person(page: Page, insured_no: str | None = None) -> None:
    """The portal's demo sign-in: pick the person's demo card (default: the preselected one)
    and let the server play the card reader."""
    page.goto("/my/login")
    demo = page.get_by_role("region", name="デモ用カードでログイン")
    if insured_no:
        demo.get_by_label(re.compile(f"ご本人・被保険者番号 {insured_no}")).check()
    demo.get_by_role("button", name="このカードでログイン（デモ）").click()
    page.wait_for_url("**/me")


# ---- accessibility and layout probes ---------------------------------------------------------


# Product bugs already reported, tolerated so the rest of each page is still checked:
# (axe rule, text in the offending element's HTML) -> where the bug is. Each one tolerated
# shows up as a warning in the test summary; delete the entry once the product is fixed.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


class KnownProductBug(UserWarning):
    """An axe violation listed in ``KNOWN_VIOLATIONS`` was seen (and tolerated)."""


def _tolerated(violation: dict[str, Any], node: dict[str, Any]) -> str | None:
    for (rule, marker), where in KNOWN_VIOLATIONS.items():
        if violation["id"] == rule and marker in node.get("html", ""):
            return where
    return None


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (less the known
    product bugs of ``KNOWN_VIOLATIONS``, each reported as a warning)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = []
    for violation in result["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        nodes = []
        for node in violation["nodes"]:
            where = _tolerated(violation, node)
            if where is None:
                nodes.append(node)
            else:
                warnings.warn(f"{violation['id']} at {page.url}: {where}", KnownProductBug, 2)
        if nodes:
            blocking.append({**violation, "nodes": nodes})
    return blocking


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
