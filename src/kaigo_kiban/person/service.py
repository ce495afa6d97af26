"""Person portal use cases: card sign-in, person sessions, proxies (代理人), and the gate.

Sign-in reuses the identity area's card verification pieces: the card trust store (J-LIS in
production, the demo card CA in demo mode), ``pki.chain`` for the chain, validity and CRL,
and the signature over the SHA-256 of a one-time challenge; ``card_link`` says whose card it
is. A proxy's card (any card the card CA issued, also to someone who is not insured) is bound
to a :class:`ProxyGrant` with a one-time invitation code on first sign-in.

A proxy's grant is checked by the access gate on every decision (revoked,
expired, outside its scope → refused and audited as the proxy), then
``access.service.open_person`` decides and audits as for everyone else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies
from kaigo_kiban.access import rules as access_rules
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.rules import PERSON_TOKEN_PREFIX
from kaigo_kiban.core.clock import JST, today_jst, utcnow
from kaigo_kiban.core.database import consume_once, keep
from kaigo_kiban.core.errors import InvalidInput, KibanError
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import rules as idv_rules
from kaigo_kiban.identity import service as identity
from kaigo_kiban.person import rules
from kaigo_kiban.person.models import PersonChallenge, PersonLoginAttempt
from kaigo_kiban.pki import chain
from kaigo_kiban.pki import rules as pki_rules
from kaigo_kiban.pki import service as pki
from kaigo_kiban.registry.models import InsuredPerson

if TYPE_CHECKING:
    from kaigo_kiban.access.models import ProxyGrant
    from kaigo_kiban.accounts.models import PersonSession

CHALLENGE_PREFIX = "kkmy1."  # not the office prefix: a portal challenge means only "sign in"


class PersonRefused(KibanError):
    """Sign-in refused; the attempt is kept on record although the request fails."""

    code = "PERSON-REFUSED"
    http_status = 422

    def __init__(self, code: str) -> None:
        message = rules.MESSAGES.get(code) or rules.CARD_MESSAGES.get(code) or code
        super().__init__(message, code=code)


# --- challenge and card sign-in ------------------------------------------------------------


@dataclass(frozen=True)
class IssuedChallenge:
    challenge_id: str
    challenge: str
    expires_at: dt.datetime


def issue_challenge(session: Session, *, now: dt.datetime | None = None) -> IssuedChallenge:
    """A random one-time challenge for the sign-in page (5 minutes)."""
    now = now or utcnow()
    text = CHALLENGE_PREFIX + secrets.token_urlsafe(32)
    row = PersonChallenge(
        public_id=secrets.token_hex(16),
        digest=idv_rules.challenge_digest(text).hex(),
        created_at=now,
        expires_at=now + rules.CHALLENGE_TTL,
    )
    session.add(row)
    session.flush()
    return IssuedChallenge(row.public_id, text, row.expires_at)


@dataclass(frozen=True)
class Principal:
    """Someone a card holder may act for: themself (``grant`` None) or a proxy's principal."""

    insurer_no: str
    insured_no: str
    name: str
    grant: ProxyGrant | None = None

    @property
    def key(self) -> str:
        return (
            f"grant:{self.grant.id}" if self.grant else f"self:{self.insurer_no}:{self.insured_no}"
        )


@dataclass(frozen=True)
class SignedIn:
    secret: str
    session: PersonSession
    principals: list[Principal]
    acting: Principal  # the one the session acts for (at first, the card's first principal)


def _record(session: Session, now: dt.datetime, reason: str, **fields: Any) -> None:
    session.add(
        PersonLoginAttempt(
            occurred_at=now,
            outcome="signed_in" if reason == "SIGNED_IN" else "refused",
            reason=reason,
            **fields,
        )
    )
    session.flush()


def _refuse(session: Session, now: dt.datetime, code: str, **fields: Any) -> PersonRefused:
    keep(session, lambda s: _record(s, now, code, **fields))
    return PersonRefused(code)


def _person_name(person: InsuredPerson) -> str:
    return person.name_kanji or person.name_kana


def principals_for_card(
    session: Session, issuer_fingerprint: str, cert_serial: str, today: dt.date
) -> tuple[list[Principal], set[str]]:
    """Whom this card may act for, and the states of grants it is bound to but may not use."""
    found: list[Principal] = []
    blocked: set[str] = set()
    for insurer_no, insured_no in identity.card_holders(session, issuer_fingerprint, cert_serial):
        person = session.get(InsuredPerson, (insurer_no, insured_no))
        if person is None:
            continue
        if person.disqualified_on is not None and person.disqualified_on <= today:
            blocked.add("disqualified")
            continue
        found.append(Principal(insurer_no, insured_no, _person_name(person)))
    for grant in proxies.grants_of_card(session, issuer_fingerprint, cert_serial):
        state = access_rules.grant_state(grant.revoked_at, grant.valid_until, today)
        person = session.get(InsuredPerson, (grant.insurer_no, grant.insured_no))
        if state != "active" or person is None:
            blocked.add(state)
            continue
        found.append(Principal(grant.insurer_no, grant.insured_no, _person_name(person), grant))
    return found, blocked


def sign_in_with_card(
    session: Session,
    settings: Settings,
    *,
    challenge_id: str,
    certificate_pem: str,
    signature: str,
    invite_code: str = "",
    trust: chain.TrustStore | None = None,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = dt.timedelta(hours=rules.SESSION_HOURS),
    channel: str = "portal",
) -> SignedIn:
    """Verify a card's signature over a portal challenge and start a person session.

    The challenge is consumed before any certificate check (no retries with one challenge).
    Checks: chain to a trusted card CA, validity, CRL, signature, then the card's link to an
    insured person (``card_link``) or to an active proxy grant. ``lifetime`` bounds the
    session (8 hours for the portal, 60 minutes for an API token).
    """
    now = now or utcnow()
    today = now.astimezone(JST).date()
    challenge = session.scalar(
        select(PersonChallenge).where(PersonChallenge.public_id == challenge_id.strip())
    )
    if challenge is None:
        raise _refuse(session, now, "PERSON-CHALLENGE-NOT-FOUND")
    state = idv_rules.challenge_state(challenge.expires_at, challenge.consumed_at, now)
    if state != "usable":
        raise _refuse(session, now, f"PERSON-CHALLENGE-{state.upper()}")
    if not consume_once(session, PersonChallenge, challenge.id, now):
        raise _refuse(session, now, "PERSON-CHALLENGE-USED")
    try:
        certs = chain.load_pem_chain(certificate_pem)
        path = chain.verify_chain(certs[0], certs[1:], trust or identity.trust_store(settings), now)
        chain.verify_signature(
            certs[0], identity.decode_signature(signature), digest=bytes.fromhex(challenge.digest)
        )
    except chain.ChainError as exc:
        raise _refuse(
            session, now, idv_rules.CHAIN_CODES.get(exc.code, "IDV-CERT-INVALID")
        ) from None
    serial = pki_rules.format_serial(certs[0].serial_number)
    issuer = pki.fingerprint(path[1])
    if invite_code.strip():
        refusal = proxies.bind_invite(session, invite_code, issuer, serial, now)
        if refusal:
            raise _refuse(session, now, refusal, cert_serial=serial)
    principals, blocked = principals_for_card(session, issuer, serial, today)
    if not principals:
        code = "PERSON-CARD-NOT-LINKED"
        for state_, refusal in (
            ("revoked", "PERSON-PROXY-REVOKED"),
            ("expired", "PERSON-PROXY-EXPIRED"),
            ("disqualified", "PERSON-PERSON-DISQUALIFIED"),
        ):
            if state_ in blocked:
                code = refusal
                break
        raise _refuse(session, now, code, cert_serial=serial)
    first = principals[0]
    secret = PERSON_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = accounts.open_person_session(
        session,
        secret=secret,
        cert_serial=serial,
        issuer_fingerprint=issuer,
        holder_name=_holder_name(certs[0], principals),
        acting=_acting_fields(first),
        channel=channel,
        now=now,
        lifetime=lifetime,
    )
    _record(
        session,
        now,
        "SIGNED_IN",
        cert_serial=serial,
        insurer_no=first.insurer_no,
        insured_no=first.insured_no,
        proxy_grant_id=row.proxy_grant_id,
    )
    return SignedIn(secret, row, principals, first)


def _holder_name(cert: Any, principals: list[Principal]) -> str:
    """The card holder: the insured person themself, else the proxy's registered name."""
    for p in principals:
        if p.grant is None:
            return p.name
    for p in principals:
        if p.grant is not None:
            return p.grant.proxy_name
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value)[:100] if names else "カードの利用者"


# --- sessions and the actor ----------------------------------------------------------------


def switch_principal(session: Session, row: PersonSession, key: str) -> Principal:
    """Act for another principal the same card may act for (self ↔ a proxy's principal)."""
    principals, _ = principals_for_card(
        session, row.issuer_fingerprint, row.cert_serial, today_jst()
    )
    for p in principals:
        if p.key == key:
            _act_for(session, row, p)
            return p
    raise InvalidInput("切り替え先が見つかりません", code="PERSON-SWITCH-UNKNOWN")


def _acting_fields(p: Principal) -> Mapping[str, object]:
    """The session's fields that say whom it acts as (``accounts.actors`` reads them)."""
    grant = p.grant
    return {
        "insurer_no": p.insurer_no,
        "insured_no": p.insured_no,
        "proxy_grant_id": grant.id if grant else None,
        "principal_name": p.name[:100] or None,
        "acting_name": f"{grant.proxy_name}（{grant.relationship}・代理人）"[:100]
        if grant
        else None,
        "proxy_label": f"proxy:{grant.id} {grant.proxy_name}"[:40] if grant else None,
    }


def _act_for(session: Session, row: PersonSession, p: Principal) -> None:
    accounts.act_as(session, row, _acting_fields(p))


def principals_of_session(session: Session, row: PersonSession) -> list[Principal]:
    return principals_for_card(session, row.issuer_fingerprint, row.cert_serial, today_jst())[0]


def sign_in_for_api(
    session: Session,
    settings: Settings,
    *,
    challenge_id: str,
    certificate_pem: str,
    signature: str,
    invite_code: str = "",
    patient: tuple[str, str] | None = None,
) -> SignedIn:
    """Card sign-in for an app the person uses (API token, 60 minutes), acting for
    ``patient`` (保険者番号, 被保険者番号) when given — a proxy may act for several people —
    else for the card's first principal. A refusal is recorded as for the portal."""
    signed = sign_in_with_card(
        session,
        settings,
        challenge_id=challenge_id,
        certificate_pem=certificate_pem,
        signature=signature,
        invite_code=invite_code,
        lifetime=dt.timedelta(minutes=rules.API_TOKEN_MINUTES),
        channel="api",
    )
    if patient is None:
        return signed
    chosen = next((p for p in signed.principals if (p.insurer_no, p.insured_no) == patient), None)
    if chosen is None:
        raise InvalidInput(
            "このカードでは、指定された方の情報を見ることはできません",
            code="PERSON-PATIENT-NOT-ALLOWED",
        )
    _act_for(session, signed.session, chosen)
    return replace(signed, acting=chosen)
