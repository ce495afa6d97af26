"""Identity verification use cases: card challenge/response, 4情報, and the demo card CA.

A verification that succeeds registers the office as the person's assigned office through
:func:`kaigo_kiban.access.service.register_assignment`. Every attempt — verified or refused —
is written to ``verification_attempt`` *before* a refusal is raised, and kept
(``core.database.keep``) so that the record (and a consumed challenge) survive the failed
request. Certificates, signatures and
the 4情報 text are never stored.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.database import consume_once, keep
from kaigo_kiban.core.errors import InvalidInput, NotFound, PermissionDenied
from kaigo_kiban.core.ids import is_insured_no, is_insurer_no, is_service_type
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import rules
from kaigo_kiban.identity.models import CardLink, IdentityChallenge, VerificationAttempt
from kaigo_kiban.identity.rules import IdentityRefused
from kaigo_kiban.notices import service as notices
from kaigo_kiban.pki import chain
from kaigo_kiban.pki import rules as pki_rules
from kaigo_kiban.pki import service as pki
from kaigo_kiban.registry.models import InsuredPerson

if TYPE_CHECKING:
    from kaigo_kiban.access.models import Assignment


def card_trust_dir(settings: Settings) -> Path:
    """Trust anchors and CRLs for card certificates: ``<data_dir>/card-trust``. An operator
    installs J-LIS's CA certificates and CRLs here; the demo installs its own card CA here."""
    return Path(settings.data_dir) / "card-trust"


def trust_store(settings: Settings) -> chain.TrustStore:
    """Card trust anchors: exactly what is installed in ``card-trust`` (no other source)."""
    return chain.load_trust_store(card_trust_dir(settings))


# --- who may verify ---------------------------------------------------------------------


def require_office(actor: Actor) -> None:
    if (
        actor.organization_kind != "office"
        or actor.kind != "staff"
        or actor.organization_id is None
    ):
        raise PermissionDenied(rules.MESSAGES["IDV-OFFICE-ONLY"], code="IDV-OFFICE-ONLY")


def _service_type_ok(actor: Actor, service_type: str) -> bool:
    return is_service_type(service_type) and service_type in actor.service_types


def _person(session: Session, insurer_no: str, insured_no: str) -> InsuredPerson | None:
    if not (is_insurer_no(insurer_no) and is_insured_no(insured_no)):
        return None
    return session.get(InsuredPerson, (insurer_no, insured_no))


def require_person(session: Session, insurer_no: str, insured_no: str) -> InsuredPerson:
    """The insured person, or ``IDV-PERSON-NOT-FOUND``."""
    person = _person(session, insurer_no, insured_no)
    if person is None:
        raise NotFound(rules.MESSAGES["IDV-PERSON-NOT-FOUND"], code="IDV-PERSON-NOT-FOUND")
    return person


def _disqualified(person: InsuredPerson) -> bool:
    return person.disqualified_on is not None and person.disqualified_on <= today_jst()


def _record(
    session: Session,
    actor: Actor,
    *,
    method: str,
    reason: str,
    insurer_no: str,
    insured_no: str | None,
    service_type: str | None,
    now: dt.datetime,
    **extra: int | None,
) -> VerificationAttempt:
    attempt = VerificationAttempt(
        occurred_at=now,
        method=method,
        outcome="verified" if reason == "VERIFIED" else "refused",
        reason=reason,
        organization_id=actor.organization_id,
        office_no=actor.organization_code or "",
        account_id=actor.account_id,
        actor_name=actor.display_name[:100],
        insurer_no=insurer_no,
        insured_no=insured_no,
        service_type=service_type if service_type and len(service_type) == 2 else None,
        request_id=(actor.request_id or "")[:32] or None,
        **extra,
    )
    session.add(attempt)
    session.flush()
    return attempt


def _tell_person(session: Session, actor: Actor, assignment: Assignment) -> None:
    """The person hears of every office newly registered for them (お知らせ)."""
    notices.notify_new_assignment(
        session,
        assignment.insurer_no,
        assignment.insured_no,
        actor.organization_name or actor.organization_code or "",
    )


def _refuse(
    session: Session, actor: Actor, code: str, *, details: object = None, **fields: Any
) -> IdentityRefused:
    keep(session, lambda s: _record(s, actor, reason=code, **fields))
    return IdentityRefused(code, details=details)


# --- My Number card ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedChallenge:
    challenge_id: str
    challenge: str
    expires_at: dt.datetime


def issue_challenge(
    session: Session,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    *,
    now: dt.datetime | None = None,
) -> IssuedChallenge:
    """A random one-time challenge for one person, usable by this office for 5 minutes."""
    require_office(actor)
    if _person(session, insurer_no, insured_no) is None:
        raise NotFound(rules.MESSAGES["IDV-PERSON-NOT-FOUND"], code="IDV-PERSON-NOT-FOUND")
    now = now or utcnow()
    text = rules.new_challenge_text(secrets.token_urlsafe(32))
    row = IdentityChallenge(
        public_id=secrets.token_hex(16),
        digest=rules.challenge_digest(text).hex(),
        organization_id=actor.organization_id,
        account_id=actor.account_id,
        insurer_no=insurer_no,
        insured_no=insured_no,
        created_at=now,
        expires_at=now + rules.CHALLENGE_TTL,
    )
    session.add(row)
    session.flush()
    return IssuedChallenge(row.public_id, text, row.expires_at)


def decode_signature(text: str) -> bytes:
    """Base64 (standard or URL-safe, padding optional); undecodable text gives no bytes."""
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def verify_card(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    challenge_id: str,
    certificate_pem: str,
    signature: str,
    service_type: str,
    trust: chain.TrustStore | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    """Check a card's signature over this office's challenge and register the assignment.

    Order matters: the challenge is consumed before any certificate check, so a failed
    attempt cannot be retried with the same challenge (no oracle for guessing).
    """
    require_office(actor)
    now = now or utcnow()
    challenge = session.scalar(
        select(IdentityChallenge).where(
            IdentityChallenge.public_id == challenge_id.strip(),
            IdentityChallenge.organization_id == actor.organization_id,
        )
    )
    if challenge is None:  # unknown, or another office's: the same answer either way
        raise NotFound(rules.MESSAGES["IDV-CHALLENGE-NOT-FOUND"], code="IDV-CHALLENGE-NOT-FOUND")
    fields: dict[str, Any] = {
        "method": rules.METHOD_CARD,
        "insurer_no": challenge.insurer_no,
        "insured_no": challenge.insured_no,
        "service_type": service_type,
        "now": now,
        "challenge_id": challenge.id,
    }
    if not _service_type_ok(actor, service_type):
        raise _refuse(session, actor, "IDV-SERVICE-TYPE", **fields)
    state = rules.challenge_state(challenge.expires_at, challenge.consumed_at, now)
    if state != "usable":
        raise _refuse(session, actor, f"IDV-CHALLENGE-{state.upper()}", **fields)
    if not consume_once(session, IdentityChallenge, challenge.id, now):
        raise _refuse(session, actor, "IDV-CHALLENGE-USED", **fields)

    person = _person(session, challenge.insurer_no, challenge.insured_no)
    if person is None:
        raise _refuse(session, actor, "IDV-PERSON-NOT-FOUND", **fields)
    if _disqualified(person):
        raise _refuse(session, actor, "IDV-PERSON-DISQUALIFIED", **fields)
    raw_signature = decode_signature(signature)
    try:
        certs = chain.load_pem_chain(certificate_pem)
        path = chain.verify_chain(certs[0], certs[1:], trust or trust_store(settings), now)
        chain.verify_signature(certs[0], raw_signature, digest=bytes.fromhex(challenge.digest))
    except chain.ChainError as exc:
        raise _refuse(
            session, actor, rules.CHAIN_CODES.get(exc.code, "IDV-CERT-INVALID"), **fields
        ) from None
    link = session.scalar(
        select(CardLink).where(
            CardLink.issuer_fingerprint == pki.fingerprint(path[1]),
            CardLink.cert_serial == pki_rules.format_serial(certs[0].serial_number),
        )
    )
    if link is None or (link.insurer_no, link.insured_no) != (
        challenge.insurer_no,
        challenge.insured_no,
    ):
        raise _refuse(session, actor, "IDV-CARD-NOT-LINKED", **fields)
    assignment = access.register_assignment(
        session, actor, challenge.insurer_no, challenge.insured_no, service_type, rules.METHOD_CARD
    )
    _tell_person(session, actor, assignment)
    _record(
        session,
        actor,
        reason="VERIFIED",
        card_link_id=link.id,
        assignment_id=assignment.id,
        **fields,
    )
    return assignment


def link_card(
    session: Session,
    insurer_no: str,
    insured_no: str,
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    *,
    source: str = "IMPORT",
) -> CardLink:
    """Record that a card certificate (by issuer and serial) belongs to an insured person."""
    require_person(session, insurer_no, insured_no)
    link = CardLink(
        insurer_no=insurer_no,
        insured_no=insured_no,
        cert_serial=pki_rules.format_serial(certificate.serial_number),
        issuer_fingerprint=pki.fingerprint(issuer),
        linked_at=utcnow(),
        source=source,
    )
    session.add(link)
    session.flush()
    return link


def card_file_bytes(issued: pki.IssuedCertificate) -> bytes:
    """The demo card as one PEM file: private key, then certificate (keep it 0600)."""
    key = issued.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key + issued.certificate.public_bytes(serialization.Encoding.PEM)


def load_card_file(data: bytes) -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, str]:
    """(private key, certificate PEM) of a demo card file."""
    try:
        key = serialization.load_pem_private_key(data, None)
        certs = chain.load_pem_chain(data)
    except (ValueError, TypeError, chain.ChainError) as exc:
        raise InvalidInput("カードファイルを読み取れません", code="IDV-CARD-FILE") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("カードファイルの鍵の種類に対応していません", code="IDV-CARD-FILE")
    return key, chain.certificate_pem(certs[0])


def sign_challenge(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, challenge: str) -> str:
    """What the card reader does: sign the challenge text; base64 of the signature."""
    return base64.b64encode(chain.sign_detached(key, challenge.strip().encode("utf-8"))).decode(
        "ascii"
    )


# --- 4情報 ------------------------------------------------------------------------------


def verify_four_attributes(
    session: Session,
    actor: Actor,
    insurer_no: str,
    attributes: rules.FourAttributes,
    service_type: str,
    *,
    now: dt.datetime | None = None,
) -> Assignment:
    """Find the one person with these 4情報 in the insurer's registry and register the
    assignment (recorded as the weaker method FOUR_ATTRIBUTES); refuse otherwise."""
    require_office(actor)
    now = now or utcnow()
    fields: dict[str, Any] = {
        "method": rules.METHOD_FOUR,
        "insurer_no": insurer_no,
        "insured_no": None,
        "service_type": service_type,
        "now": now,
    }
    if not _service_type_ok(actor, service_type):
        raise _refuse(session, actor, "IDV-SERVICE-TYPE", **fields)
    rows = session.scalars(
        select(InsuredPerson).where(
            InsuredPerson.insurer_no == insurer_no,
            InsuredPerson.birth_date == attributes.birth_date,
            InsuredPerson.sex == attributes.sex,
        )
    ).all()
    candidates = [
        rules.Candidate(
            p.insurer_no,
            p.insured_no,
            p.name_kanji or "",
            p.name_kana or "",
            p.birth_date,
            p.sex,
            p.address,
        )
        for p in rows
    ]
    result = rules.match_four_attributes(attributes, candidates)
    if result.status != "verified" or result.insured_no is None:
        raise _refuse(
            session,
            actor,
            rules.FOUR_CODES[result.status],
            candidates=result.certain + result.possible,
            **fields,
        )
    fields["insured_no"] = result.insured_no
    person = next(p for p in rows if p.insured_no == result.insured_no)
    if _disqualified(person):
        raise _refuse(session, actor, "IDV-PERSON-DISQUALIFIED", candidates=1, **fields)
    assignment = access.register_assignment(
        session, actor, insurer_no, result.insured_no, service_type, rules.METHOD_FOUR
    )
    _tell_person(session, actor, assignment)
    _record(session, actor, reason="VERIFIED", assignment_id=assignment.id, candidates=1, **fields)
    return assignment


def recent_attempts(session: Session, actor: Actor, limit: int = 20) -> list[VerificationAttempt]:
    """This office's latest verification attempts (for the verification page)."""
    return list(
        session.scalars(
            select(VerificationAttempt)
            .where(VerificationAttempt.organization_id == actor.organization_id)
            .order_by(VerificationAttempt.id.desc())
            .limit(limit)
        )
    )


def card_holders(
    session: Session, issuer_fingerprint: str, cert_serial: str
) -> list[tuple[str, str]]:
    """The insured persons a card is linked to (``card_link``), as (保険者番号, 被保険者番号)."""
    return [
        (link.insurer_no, link.insured_no)
        for link in session.scalars(
            select(CardLink)
            .where(
                CardLink.issuer_fingerprint == issuer_fingerprint,
                CardLink.cert_serial == cert_serial,
            )
            .order_by(CardLink.id)
        )
    ]
