"""Signed opinions and the municipal pull: attaching and verifying doctors' signatures over the
canonical JSON, the documented JSON of a submitted opinion, and ``GET …/opinions?since=``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.opinions import signing
from kaigo_kiban.certification.opinions.models import PhysicianOpinion
from kaigo_kiban.certification.opinions.service import (
    authored_opinion,
    canonical,
    document,
    municipal_insurer,
)
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import Conflict, KibanError
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.pki.service import default_ca_dir
from kaigo_kiban.registry.models import Organization

# --- signatures -------------------------------------------------------------------------------


def attach_signature(
    session: Session,
    settings: Settings,
    actor: Actor,
    opinion_id: int,
    signature: str,
    chain_pem: str,
) -> PhysicianOpinion:
    """Attach the doctor's detached signature over the canonical JSON of a submitted opinion.

    Verified at once against the platform CA (at the time of receipt, which is recorded)."""
    opinion = authored_opinion(session, settings, actor, opinion_id, "write")
    if opinion.status != "submitted":
        raise Conflict("提出前の意見書には署名できません", code="CT-OPINION-NOT-SUBMITTED")
    if opinion.signature is not None:
        raise Conflict("この意見書は署名済みです", code="CT-OPINION-SIGNED")
    now = utcnow()
    signer = signing.verify(
        canonical(opinion),
        signature,
        chain_pem,
        default_ca_dir(settings),
        now,
        opinion.institution_code,
    )
    opinion.signature, opinion.signer_chain_pem = signature, chain_pem
    opinion.signer_subject = signer.subject.rfc4514_string()
    opinion.signed_at = now
    session.flush()
    return opinion


@dataclass(frozen=True)
class Verification:
    signed: bool
    valid: bool
    code: str | None
    message: str
    signer: str | None = None


def verify(settings: Settings, opinion: PhysicianOpinion) -> Verification:
    """Re-check the stored signature against the opinion as stored now (any change fails)."""
    if opinion.signature is None or opinion.signer_chain_pem is None or opinion.signed_at is None:
        return Verification(False, False, None, "電子署名はありません")
    try:
        signer = signing.verify(
            canonical(opinion),
            opinion.signature,
            opinion.signer_chain_pem,
            default_ca_dir(settings),
            opinion.signed_at,
            opinion.institution_code,
        )
    except KibanError as exc:
        return Verification(True, False, exc.code, exc.message, opinion.signer_subject)
    return Verification(
        True,
        True,
        None,
        "署名は有効です（内容は署名後に変更されていません）",
        signer.subject.rfc4514_string(),
    )


def institution_name(session: Session, code: str) -> str | None:
    return session.scalar(
        select(Organization.name).where(Organization.kind == "medical", Organization.code == code)
    )


def to_json(session: Session, settings: Settings, opinion: PhysicianOpinion) -> dict[str, Any]:
    """The documented JSON of a submitted opinion (docs/certification.md §5)."""
    check = verify(settings, opinion)
    return {
        **document(opinion),
        "institution_name": institution_name(session, opinion.institution_code),
        "status": opinion.status,
        "submitted_at": opinion.submitted_at.isoformat() if opinion.submitted_at else None,
        "canonical_sha256": opinion.canonical_sha256,
        "signature": None
        if not check.signed
        else {
            "algorithm": "ECDSA-P256-SHA256",
            "value": opinion.signature,
            "certificate_chain_pem": opinion.signer_chain_pem,
            "signer": opinion.signer_subject,
            "received_at": opinion.signed_at.isoformat() if opinion.signed_at else None,
            "valid": check.valid,
            "problem": check.code,
        },
    }


def pull_submitted(
    session: Session,
    settings: Settings,
    actor: Actor,
    since: dt.datetime | None,
    *,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], str | None]:
    """Submitted opinions of the municipality's insurer after ``since`` (oldest first), each
    read through the gate; returns them and the cursor for the next call."""
    insurer_no = municipal_insurer(actor)
    stmt = select(PhysicianOpinion).where(
        PhysicianOpinion.insurer_no == insurer_no, PhysicianOpinion.status == "submitted"
    )
    if since is not None:
        stmt = stmt.where(PhysicianOpinion.submitted_at > since)
    found = list(
        session.scalars(
            stmt.order_by(PhysicianOpinion.submitted_at, PhysicianOpinion.id).limit(limit)
        )
    )
    out = []
    for opinion in found:
        access.open_kind(
            session, settings, actor, insurer_no, opinion.insured_no, "opinion", "read"
        )
        out.append(to_json(session, settings, opinion))
    cursor = found[-1].submitted_at.isoformat() if found and found[-1].submitted_at else None
    return out, cursor
