"""Identity verification (本人確認): card links, one-time challenges, and every attempt.

No table holds a My Number, a certificate or a signature: a card is known by the serial of
its 利用者証明用電子証明書 and the fingerprint of the CA that issued it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class CardLink(Base):
    """A My Number card certificate known to belong to one insured person."""

    __tablename__ = "card_link"
    __table_args__ = (
        UniqueConstraint("issuer_fingerprint", "cert_serial"),
        Index("ix_card_link_person", "insurer_no", "insured_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    cert_serial: Mapped[str] = mapped_column(String(40), doc="upper-case hex")
    issuer_fingerprint: Mapped[str] = mapped_column(
        String(64), doc="SHA-256 of the issuing CA certificate"
    )
    linked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(String(20), doc="DEMO_CARD_CA | IMPORT")


class IdentityChallenge(Base):
    """A one-time challenge for a card signature: bound to an office and a person, 5 minutes."""

    __tablename__ = "identity_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the challenge text (hex)")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class VerificationAttempt(Base):
    """Every verification attempt, verified or refused (no certificate, signature or 4情報 text)."""

    __tablename__ = "verification_attempt"
    __table_args__ = (Index("ix_verification_attempt_person", "insurer_no", "insured_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    method: Mapped[str] = mapped_column(String(20), doc="MYNUMBER_CARD | FOUR_ATTRIBUTES")
    outcome: Mapped[str] = mapped_column(String(10), doc="verified | refused")
    reason: Mapped[str] = mapped_column(String(40), doc="VERIFIED or the IDV- refusal code")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    office_no: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str | None] = mapped_column(String(10))
    service_type: Mapped[str | None] = mapped_column(String(2))
    challenge_id: Mapped[int | None] = mapped_column(Integer)
    card_link_id: Mapped[int | None] = mapped_column(Integer)
    assignment_id: Mapped[int | None] = mapped_column(Integer)
    candidates: Mapped[int | None] = mapped_column(
        Integer, doc="4情報: records that could be the person"
    )
    request_id: Mapped[str | None] = mapped_column(String(32))
