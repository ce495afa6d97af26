"""Proxy grants (代理人): granting, binding a proxy's card, revoking. The gate checks them.

A person authorises a family member for a set of data kinds until a date. The grant is bound
to the proxy's card by a one-time invitation code the person hands over; from then on the
proxy signs in with their own card. Every decision of the gate re-reads the grant
(``access.service.proxy_fact``), so a revocation or an expiry takes effect at once, and every
refusal is audited as the proxy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import rules
from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import ProxyGrant
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import JST, utcnow
from kaigo_kiban.core.errors import NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ProxyRefused(PermissionDenied):
    """A proxy may not change the person's own settings; the audited refusal is kept."""

    code = "PERSON-PROXY-REFUSED"

    def __init__(self, code: str) -> None:
        super().__init__(rules.PROXY_MESSAGES[code], code=code)


def bind_invite(
    session: Session,
    code: str,
    issuer_fingerprint: str,
    cert_serial: str,
    now: dt.datetime,
) -> str | None:
    """Bind the card to the grant of an invitation code; returns a refusal code or None."""
    grant = session.scalar(
        select(ProxyGrant).where(ProxyGrant.invite_digest == digest(rules.normalize_invite(code)))
    )
    if grant is None or grant.invite_expires_at is None or grant.invite_expires_at <= now:
        return "PERSON-INVITE-INVALID"
    state = rules.grant_state(grant.revoked_at, grant.valid_until, now.astimezone(JST).date())
    if state != "active":
        return f"PERSON-PROXY-{state.upper()}"
    if grant.bound_at is not None:
        return "PERSON-INVITE-USED"
    grant.proxy_issuer_fingerprint, grant.proxy_cert_serial = issuer_fingerprint, cert_serial
    grant.bound_at = now  # one use only: a second sign-in with the code is refused
    session.flush()
    return None


# --- auditing portal actions --------------------------------------------------------------


def record_action(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    data_kind: str,
    action: str,
    reason: str,
    *,
    outcome: str = "allowed",
) -> None:
    """Audit a portal action the policy table does not cover (consent, assignment and proxy
    settings, refused proxies) with the same fields ``access.open_person`` records."""
    access.record_event(
        session,
        settings,
        actor,
        insurer_no,
        insured_no,
        data_kind,
        action,
        reason.removeprefix("PERSON-"),
        outcome=outcome,
    )


def principal(actor: Actor) -> tuple[str, str]:
    """The person a person-portal actor (the person or their proxy) acts for."""
    if actor.kind != "person" or not actor.insurer_no or not actor.insured_no:
        raise PermissionDenied(rules.DENIALS["NOT-SELF"], code="PERSON-NOT-PERSON")
    return actor.insurer_no, actor.insured_no


def require_self(session: Session, settings: Settings, actor: Actor, action: str) -> None:
    """Proxy settings are the person's own decision: a proxy may not change them."""
    principal(actor)
    if actor.proxy_for:
        record_action(
            session,
            settings,
            actor,
            *principal(actor),
            "proxy",
            action,
            "PERSON-PROXY-ONLY-PERSON",
            outcome="denied",
        )
        raise ProxyRefused("PERSON-PROXY-ONLY-PERSON")


# --- managing proxies (the person only) ----------------------------------------------------


def list_proxies(session: Session, insurer_no: str, insured_no: str) -> list[ProxyGrant]:
    return list(
        session.scalars(
            select(ProxyGrant)
            .where(ProxyGrant.insurer_no == insurer_no, ProxyGrant.insured_no == insured_no)
            .order_by(ProxyGrant.id.desc())
        )
    )


def _new_invite() -> str:
    return "".join(secrets.choice(rules.INVITE_ALPHABET) for _ in range(rules.INVITE_LENGTH))


def check_proxy_form(
    proxy_name: str, relationship: str, groups: list[str], valid_until: str, today: dt.date
) -> tuple[dict[str, object], dict[str, str]]:
    """Cleaned values and Japanese errors per field of the "add a proxy" form."""
    errors: dict[str, str] = {}
    name, rel = proxy_name.strip(), relationship.strip()
    if not name or len(name) > 60:
        errors["proxy_name"] = "代理人のお名前を入力してください（60文字まで）"
    if not rel or len(rel) > 30:
        errors["relationship"] = "続柄（例: 長女）を入力してください（30文字まで）"
    unknown = [g for g in groups if g not in rules.SCOPE_GROUPS]
    if not groups or unknown:
        errors["groups"] = "代理人に任せる内容を1つ以上選んでください"
    until: dt.date | None = None
    try:
        until = dt.date.fromisoformat(valid_until.strip())
    except ValueError:
        errors["valid_until"] = "有効期限は 2027-03-31 のように入力してください"
    else:
        latest = today.replace(year=today.year + rules.MAX_PROXY_YEARS)
        if until < today or until > latest:
            errors["valid_until"] = (
                f"有効期限は今日から{rules.MAX_PROXY_YEARS}年以内の日付にしてください"
            )
    values: dict[str, object] = {
        "proxy_name": name,
        "relationship": rel,
        "groups": groups,
        "valid_until": until,
    }
    return values, errors


def grant_proxy(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    proxy_name: str,
    relationship: str,
    groups: list[str],
    valid_until: dt.date,
    now: dt.datetime | None = None,
) -> tuple[ProxyGrant, str]:
    """Create a grant; returns it and the invitation code (shown once, stored hashed)."""
    require_self(session, settings, actor, "write")
    assert actor.insurer_no is not None and actor.insured_no is not None
    now = now or utcnow()
    code = _new_invite()
    grant = ProxyGrant(
        insurer_no=actor.insurer_no,
        insured_no=actor.insured_no,
        proxy_name=proxy_name,
        relationship=relationship,
        scope=" ".join(rules.scope_from_groups(groups)),
        valid_until=valid_until,
        created_at=now,
        invite_digest=digest(code),
        invite_expires_at=now + rules.INVITE_TTL,
    )
    session.add(grant)
    session.flush()
    record_action(
        session, settings, actor, actor.insurer_no, actor.insured_no, "proxy", "write", "GRANTED"
    )
    return grant, code


def revoke_proxy(session: Session, settings: Settings, actor: Actor, grant_id: int) -> ProxyGrant:
    """Revoke a grant now; the proxy's open sessions end with it."""
    require_self(session, settings, actor, "write")
    grant = session.get(ProxyGrant, grant_id)
    if grant is None or (grant.insurer_no, grant.insured_no) != (
        actor.insurer_no,
        actor.insured_no,
    ):
        raise NotFound("代理人の登録が見つかりません", code="PERSON-PROXY-NOT-FOUND")
    if grant.revoked_at is None:
        now = utcnow()
        grant.revoked_at = now
        accounts.end_sessions_of_grant(session, grant.id, now)
        record_action(
            session,
            settings,
            actor,
            grant.insurer_no,
            grant.insured_no,
            "proxy",
            "write",
            "REVOKED",
        )
    return grant


def bind_card(
    session: Session, grant: ProxyGrant, cert_serial: str, issuer_fingerprint: str
) -> None:
    """Bind a card to a grant directly (the demo does this instead of an invitation code)."""
    grant.proxy_cert_serial, grant.proxy_issuer_fingerprint = cert_serial, issuer_fingerprint
    grant.bound_at = utcnow()
    session.flush()


def grants_of_card(session: Session, issuer_fingerprint: str, cert_serial: str) -> list[ProxyGrant]:
    """The proxy grants a proxy's card is bound to, oldest first (any state)."""
    return list(
        session.scalars(
            select(ProxyGrant)
            .where(
                ProxyGrant.proxy_issuer_fingerprint == issuer_fingerprint,
                ProxyGrant.proxy_cert_serial == cert_serial,
            )
            .order_by(ProxyGrant.id)
        )
    )
