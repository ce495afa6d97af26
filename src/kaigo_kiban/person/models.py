"""The person portal: card sign-in, person sessions, proxies (代理人), notices and contacts.

Person sessions live here, not in ``credential``: a person has no staff account and no
organisation. No table holds a certificate, a signature or a My Number; a card is known by
its certificate serial and the fingerprint of the CA that issued it (as in ``card_link``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class PersonChallenge(Base):
    """A one-time sign-in challenge (5 minutes). Only its SHA-256 is kept."""

    __tablename__ = "person_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the challenge text (hex)")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PersonSession(Base):
    """A signed-in card holder acting for one principal: themself, or a person who made them
    their proxy (``proxy_grant_id``). The cookie secret is stored only as its SHA-256."""

    __tablename__ = "person_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    cert_serial: Mapped[str] = mapped_column(String(40))
    issuer_fingerprint: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(100), doc="who holds the card")
    insurer_no: Mapped[str] = mapped_column(String(6), doc="the principal")
    insured_no: Mapped[str] = mapped_column(String(10))
    proxy_grant_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(
        String(10), default="portal", server_default="portal", doc="portal | api (an app's token)"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ProxyGrant(Base):
    """代理人: a person authorises a family member for some data kinds until a date.

    The proxy's card is bound on first sign-in with the one-time invitation code the person
    handed over (or directly, for the demo). Revocation and expiry take effect at once: every
    request of a proxy session re-reads this row.
    """

    __tablename__ = "proxy_grant"
    __table_args__ = (
        Index("ix_proxy_grant_person", "insurer_no", "insured_no"),
        Index("ix_proxy_grant_card", "proxy_issuer_fingerprint", "proxy_cert_serial"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    proxy_name: Mapped[str] = mapped_column(String(60))
    relationship: Mapped[str] = mapped_column(String(30))
    scope: Mapped[str] = mapped_column(String(400), doc="data kinds, space separated")
    valid_until: Mapped[dt.date] = mapped_column(Date, doc="last day the proxy may act")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    invite_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    proxy_cert_serial: Mapped[str | None] = mapped_column(String(40))
    proxy_issuer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PersonLoginAttempt(Base):
    """Every card sign-in attempt, successful or refused (no certificate or signature)."""

    __tablename__ = "person_login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(10), doc="signed_in | refused")
    reason: Mapped[str] = mapped_column(String(40))
    cert_serial: Mapped[str | None] = mapped_column(String(40))
    insurer_no: Mapped[str | None] = mapped_column(String(6))
    insured_no: Mapped[str | None] = mapped_column(String(10))
    proxy_grant_id: Mapped[int | None] = mapped_column(Integer)


class PersonContact(Base):
    """Where the person wants notices sent besides the portal (optional)."""

    __tablename__ = "person_contact"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    notify_by_email: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PersonNotice(Base):
    """A notice shown in the portal (e.g. a new assigned office)."""

    __tablename__ = "person_notice"
    __table_args__ = (Index("ix_person_notice_person", "insurer_no", "insured_no", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(30), doc="NEW_ASSIGNMENT | ...")
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class NoticeDelivery(Base):
    """Outbox of notices to send outside the portal. The notifier (SMTP in production) sends
    ``pending`` rows after the transaction that created them has committed; the recording
    notifier of the demo and tests marks them ``recorded`` without sending anything."""

    __tablename__ = "notice_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(10), doc="email")
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), doc="pending | sent | recorded | failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
