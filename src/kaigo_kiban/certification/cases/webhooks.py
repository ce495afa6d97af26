"""Webhooks: an office subscribes a URL; changes to its persons' cases are POSTed there.

``dispatch`` fans new ``cert_event`` rows out to the subscriptions whose office is assigned to
the person and passes the gate (``progress``, as the subscribing office); ``deliver_due`` POSTs
each pending delivery, signed with HMAC-SHA256 of the exact body under the subscription's
secret (header ``X-KK-Signature: sha256=<hex>``), and retries failures with exponential backoff
(30 s, 1, 2, 4, 8 min …, at most ``MAX_ATTEMPTS`` attempts). ``run`` does both; the CLI
(``kaigo-kiban certification deliver-webhooks``) runs it from cron or a timer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases import rules
from kaigo_kiban.certification.cases.models import (
    CertEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from kaigo_kiban.certification.cases.service import describe_event, state_label
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import InvalidInput, NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import Organization

EVENT_TYPE = "certification.progress"
SIGNATURE_HEADER = "X-KK-Signature"
MAX_ATTEMPTS = 6
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
TIMEOUT_SECONDS = 10.0


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes under the subscription secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, body), header or "")


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` failures: 30 s × 2^(n−1), at most 1 h."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses a host name stands for (a literal address is itself); [] when it does not
    resolve here."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def target_problem(url: str, *, allow_loopback: bool = False) -> str | None:
    """Why a webhook URL may not be a target, or None. https only, no credentials, at most 500
    characters, and every address the host resolves to public: no loopback, private, link-local
    (cloud metadata 169.254.169.254), shared, reserved or multicast range
    (``rules.non_public_reason``). ``allow_loopback`` (development): http to a loopback address.
    Checked at subscription and again, after resolution, before every delivery."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if len(url) > 500:
        return "URL は500文字以内です"
    if parts.scheme not in ("https", "http") or not host:
        return "https:// で始まる URL を入力してください"
    if parts.username or parts.password:
        return "URL に利用者名やパスワードを含めないでください"
    addresses = _addresses(host, parts.port or 443)
    loopback = bool(addresses) and all(a.is_loopback for a in addresses)
    if parts.scheme == "http" and not (allow_loopback and loopback):
        return "https:// の URL を入力してください (http は開発用の設定でループバックに限ります)"
    for address in addresses:
        if address.is_loopback and allow_loopback:
            continue
        reason = rules.non_public_reason(address)
        if reason is not None:
            return f"公開されていないアドレス ({address}: {reason}) には送信できません"
    return None


def check_url(url: str, *, allow_loopback: bool = False) -> str:
    """The URL, or ``CT-WEBHOOK-URL`` with why (``target_problem``)."""
    problem = target_problem(url, allow_loopback=allow_loopback)
    if problem:
        raise InvalidInput(problem, code="CT-WEBHOOK-URL", details={"field": "url", "value": url})
    return url.strip()


def _office(actor: Actor) -> int:
    if actor.organization_kind != "office" or actor.organization_id is None:
        raise PermissionDenied("事業所の職員だけが通知先を登録できます", code="CT-WEBHOOK-OFFICE")
    return actor.organization_id


def subscribe(
    session: Session, settings: Settings, actor: Actor, url: str
) -> tuple[WebhookSubscription, str]:
    """Register a URL; returns the subscription and its secret (shown to the caller only now).
    Only changes that happen after subscribing are sent."""
    org_id = _office(actor)
    secret = "whsec_" + secrets.token_urlsafe(32)
    last = session.scalar(select(func.max(CertEvent.id))) or 0
    sub = WebhookSubscription(
        organization_id=org_id,
        account_id=actor.account_id,
        job_type=actor.job_type,
        url=check_url(url, allow_loopback=settings.webhook_allow_loopback),
        secret=secret,
        active=True,
        last_event_id=last,
        created_at=utcnow(),
    )
    session.add(sub)
    session.flush()
    return sub, secret


def list_subscriptions(session: Session, actor: Actor) -> list[WebhookSubscription]:
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.organization_id == _office(actor),
                WebhookSubscription.active.is_(True),
            )
            .order_by(WebhookSubscription.id)
        )
    )


def unsubscribe(session: Session, actor: Actor, subscription_id: int) -> None:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or sub.organization_id != _office(actor) or not sub.active:
        raise NotFound("通知先が見つかりません", code="CT-WEBHOOK-NOT-FOUND")
    sub.active = False
    session.flush()


def _subscriber(session: Session, sub: WebhookSubscription) -> Actor:
    org = session.get(Organization, sub.organization_id)
    assert org is not None
    return Actor(
        kind="system",
        display_name=f"{org.name} (通知)",
        account_id=sub.account_id,
        **registry.organization_actor_fields(session, org),
        job_type=sub.job_type,
        request_id=f"webhook-{sub.id}",
    )


def payload(event: CertEvent, delivery_id: int) -> dict[str, Any]:
    return {
        "type": EVENT_TYPE,
        "delivery_id": delivery_id,
        "event_id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "insurer_no": event.insurer_no,
        "insured_no": event.insured_no,
        "application_no": event.application_no,
        "change": {
            "field": event.field,
            "action": event.action,
            "old_value": event.old_value,
            "new_value": event.new_value,
            "description": describe_event(event),
        },
        "progress": {
            "state_before": event.state_before,
            "state_after": event.state_after,
            "label_after": state_label(event.state_after),
        },
    }


def dispatch(
    session: Session, settings: Settings, *, now: dt.datetime | None = None, batch: int = 1000
) -> int:
    """Create deliveries (due at ``now``) for events not yet fanned out; returns how many."""
    created = 0
    now = now or utcnow()
    for sub in session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    ):
        pairs = set(access.open_assignments(session, sub.organization_id))
        events = list(
            session.scalars(
                select(CertEvent)
                .where(CertEvent.id > sub.last_event_id)
                .order_by(CertEvent.id)
                .limit(batch)
            )
        )
        if not events:
            continue
        actor = _subscriber(session, sub)
        allowed: dict[tuple[str, str], bool] = {}
        for event in events:
            key = (event.insurer_no, event.insured_no)
            if key not in pairs:
                continue
            if key not in allowed:
                allowed[key] = access.open_person(
                    session, settings, actor, *key, ["progress"], "read"
                ).allows("progress")
            if not allowed[key]:
                continue
            delivery = WebhookDelivery(
                subscription_id=sub.id,
                event_id=event.id,
                body="",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(delivery)
            session.flush()
            delivery.body = json.dumps(payload(event, delivery.id), ensure_ascii=False)
            created += 1
        sub.last_event_id = events[-1].id
    session.flush()
    return created


def _post(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int | None, str | None]:
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver_due(
    session: Session, settings: Settings, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """POST every pending delivery whose time has come; one attempt each. Returns counts."""
    now = now or utcnow()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    due = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id)
        )
    )
    if not due:
        return counts
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        checked: dict[int, str | None] = {}
        for delivery in due:
            sub = session.get(WebhookSubscription, delivery.subscription_id)
            assert sub is not None
            body = delivery.body.encode("utf-8")
            attempt_no = delivery.attempts + 1
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "kaigo-kiban-webhook/1",
                SIGNATURE_HEADER: sign(sub.secret, body),
                "X-KK-Event": EVENT_TYPE,
                "X-KK-Delivery": str(delivery.id),
                "X-KK-Attempt": str(attempt_no),
            }
            if sub.id not in checked:  # resolved once per subscription and run
                checked[sub.id] = target_problem(
                    sub.url, allow_loopback=settings.webhook_allow_loopback
                )
            problem = checked[sub.id]
            if not sub.active:
                status, error = None, "購読停止"
            elif problem is not None:  # the name may resolve elsewhere now
                status, error = None, f"送信先の確認で停止: {problem}"[:300]
            else:
                status, error = _post(client, sub.url, body, headers)
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    attempt_no=attempt_no,
                    attempted_at=now,
                    status_code=status,
                    error=error,
                    succeeded=error is None,
                )
            )
            delivery.attempts = attempt_no
            if error is None:
                delivery.status, delivery.delivered_at = "delivered", now
                counts["delivered"] += 1
            elif attempt_no >= MAX_ATTEMPTS or not sub.active:
                delivery.status = "failed"
                counts["failed"] += 1
            else:
                delivery.next_attempt_at = now + backoff(attempt_no)
                counts["retrying"] += 1
    session.flush()
    return counts


def run(session: Session, settings: Settings, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Fan out new events, then deliver what is due."""
    now = now or utcnow()
    created = dispatch(session, settings, now=now)
    return {"created": created, **deliver_due(session, settings, now=now)}
