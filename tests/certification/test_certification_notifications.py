"""Care managers hear about progress changes: the feed, and signed webhooks delivered with
retries to a tiny HTTP server on 127.0.0.1. Also the person portal's ``person_progress``."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access.models import ProxyGrant
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases import progress, webhooks
from kaigo_kiban.certification.cases.models import WebhookAttempt, WebhookDelivery
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.settings import Settings
from tests.certification.conftest import (
    OTHER,
    PERSON,
    World,
    application_row,
    milestone_row,
)
from tests.factories import INSURER_NO

D = dt.date


@dataclass
class Receiver:
    """Answers 500 to the first ``failures`` requests, then 204; keeps what it received."""

    failures: int = 1
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append((dict(self.headers.items()), body))
            failing = len(state.received) <= state.failures
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_feed_lists_changes_of_assigned_persons_only(db: Session, world: World) -> None:
    world.send(
        db,
        "cert_application",
        [application_row(), application_row("2026000002", insured_no=OTHER)],
    )
    world.send(
        db,
        "cert_milestone",
        [milestone_row("11", D(2026, 4, 2)), milestone_row("11", D(2026, 4, 2), no="2026000002")],
    )
    feed = progress.office_events(db, world.settings, world.cm)
    assert {e["insured_no"] for e in feed} == {PERSON}
    newest = feed[0]
    assert newest["description"] == "認定調査依頼が登録されました（2026-04-02）"
    assert (newest["state_before"], newest["state_after"]) == ("APPLIED", "SURVEY_REQUESTED")
    assert progress.office_events(db, world.settings, world.cm, since_id=newest["event_id"]) == []


def test_webhook_is_signed_and_retried_after_a_failing_first_attempt(
    db: Session, world: World, receiver: Receiver
) -> None:
    world.send(db, "cert_application", [application_row()])
    sub, secret = webhooks.subscribe(db, _dev(world), world.cm, receiver.url)
    world.send(db, "cert_milestone", [milestone_row("12", D(2026, 4, 9))])

    t0 = utcnow()
    first = webhooks.run(db, _dev(world), now=t0)
    assert first == {"created": 1, "delivered": 0, "retrying": 1, "failed": 0}
    delivery = db.scalar(select(WebhookDelivery))
    assert delivery is not None and delivery.next_attempt_at == t0 + webhooks.backoff(1)
    # Not yet due: nothing is sent.
    assert webhooks.run(db, _dev(world), now=t0 + dt.timedelta(seconds=5))["delivered"] == 0
    later = webhooks.run(db, _dev(world), now=t0 + dt.timedelta(seconds=31))
    assert later["delivered"] == 1
    assert delivery.status == "delivered" and delivery.attempts == 2

    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    assert webhooks.verify_signature(secret, body, headers[webhooks.SIGNATURE_HEADER])
    assert not webhooks.verify_signature("whsec_wrong", body, headers[webhooks.SIGNATURE_HEADER])
    assert receiver.received[0][1] == body  # the retry sends the same signed bytes
    payload = json.loads(body)
    assert payload["type"] == "certification.progress"
    assert (payload["insured_no"], payload["change"]["field"]) == (PERSON, "survey_done_on")
    assert payload["progress"]["state_after"] == "SURVEY_DONE"
    attempts = db.scalars(select(WebhookAttempt).order_by(WebhookAttempt.attempt_no)).all()
    assert [(a.status_code, a.succeeded) for a in attempts] == [(500, False), (204, True)]
    assert sub.last_event_id > 0


def test_webhook_gives_up_after_the_bounded_number_of_attempts(
    db: Session, world: World, receiver: Receiver
) -> None:
    receiver.failures = 100
    world.send(db, "cert_application", [application_row()])
    webhooks.subscribe(db, _dev(world), world.cm, receiver.url)
    world.send(db, "cert_milestone", [milestone_row("12", D(2026, 4, 9))])
    now = utcnow()
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        webhooks.run(db, _dev(world), now=now)
        now += webhooks.MAX_DELAY
    delivery = db.scalar(select(WebhookDelivery))
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def _dev(world: World) -> Settings:
    """The development switch the loopback receiver of these tests needs."""
    return world.settings.model_copy(update={"webhook_allow_loopback": True})


def test_webhook_urls_must_be_public_https(db: Session, world: World) -> None:
    """Loopback, private, link-local (cloud metadata) and names resolving to them are refused,
    with a stable code; http only to loopback and only with the development switch."""
    attacks = (
        "http://example.org/hook",
        "ftp://127.0.0.1/x",
        "https://user:pw@example.org/",
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://localhost/hook",  # a name resolving to loopback
        "http://127.0.0.1:8080/hook",  # http, without the development switch
    )
    for bad in attacks:
        with pytest.raises(InvalidInput) as refused:
            webhooks.subscribe(db, world.settings, world.cm, bad)
        assert refused.value.code == "CT-WEBHOOK-URL", bad
    sub, _secret = webhooks.subscribe(db, world.settings, world.cm, "https://example.org/hook")
    assert sub.url == "https://example.org/hook"
    local, _ = webhooks.subscribe(db, _dev(world), world.cm, "http://127.0.0.1:8080/hook")
    assert local.url.startswith("http://127.0.0.1")
    with pytest.raises(InvalidInput):  # the switch opens loopback only
        webhooks.subscribe(db, _dev(world), world.cm, "https://10.0.0.1/hook")


def test_a_delivery_is_stopped_when_the_target_is_no_longer_public(
    db: Session, world: World, receiver: Receiver
) -> None:
    """Checked again before each delivery: a subscription made with the development switch is
    not delivered by a server without it."""
    webhooks.subscribe(db, _dev(world), world.cm, receiver.url)
    world.send(db, "cert_application", [application_row()])
    counts = webhooks.run(db, world.settings)
    assert counts["created"] == 1 and counts["delivered"] == 0
    assert receiver.received == []


def test_no_delivery_for_a_person_the_office_may_not_see(
    db: Session, world: World, receiver: Receiver
) -> None:
    world.send(db, "cert_application", [application_row("2026000002", insured_no=OTHER)])
    webhooks.subscribe(db, _dev(world), world.cm, receiver.url)
    world.send(db, "cert_milestone", [milestone_row("11", D(2026, 4, 2), no="2026000002")])
    assert webhooks.run(db, _dev(world))["created"] == 0
    assert receiver.received == []


def _person(insured_no: str) -> Actor:
    return Actor(kind="person", display_name="本人", insurer_no=INSURER_NO, insured_no=insured_no)


def _grant(db: Session, scope: str) -> int:
    """A proxy grant (代理人) of PERSON for ``scope``; the gate reads it on every decision."""
    grant = ProxyGrant(
        insurer_no=INSURER_NO,
        insured_no=PERSON,
        proxy_name="試験 花子",
        relationship="長女",
        scope=scope,
        valid_until=dt.date(2099, 3, 31),
        created_at=utcnow(),
    )
    db.add(grant)
    db.flush()
    return grant.id


def test_person_progress_shows_the_own_case_without_survey_or_opinion(
    db: Session, world: World
) -> None:
    world.send(db, "cert_application", [application_row()])
    world.send(db, "cert_milestone", [milestone_row("11", D(2026, 4, 2))])
    own = progress.person_progress(db, world.settings, _person(PERSON), INSURER_NO, PERSON)
    assert own["case"]["progress"]["state"] == "SURVEY_REQUESTED"
    assert own["case"]["timeline"][1]["date"] == D(2026, 4, 2)
    assert "survey" not in own and "opinion" not in own
    with pytest.raises(AccessDenied):
        progress.person_progress(db, world.settings, _person(OTHER), INSURER_NO, PERSON)
    proxy = replace(_person(PERSON), proxy_for="長女", proxy_grant_id=_grant(db, "progress"))
    assert progress.person_progress(db, world.settings, proxy, INSURER_NO, PERSON)["case"]
    outside = replace(proxy, proxy_grant_id=_grant(db, "insurance_card"))
    with pytest.raises(AccessDenied):
        progress.person_progress(db, world.settings, outside, INSURER_NO, PERSON)
