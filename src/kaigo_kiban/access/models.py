"""Every grant of access to a person's data: assignments (担当事業所), consents (包括同意),
service evidence, proxy grants (代理人), identity checks (本人確認) and the access an opinion
request gives a medical institution."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class Assignment(Base):
    """An office registered as a person's assigned office after verifying their identity."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_person", "insurer_no", "insured_no", "organization_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    office_no: Mapped[str] = mapped_column(String(10))
    service_type: Mapped[str] = mapped_column(String(2))
    verified_by: Mapped[str] = mapped_column(String(20), doc="MYNUMBER_CARD | FOUR_ATTRIBUTES")
    verified_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    verified_by_account: Mapped[int | None] = mapped_column(Integer)
    last_evidence_month: Mapped[str] = mapped_column(
        String(6), doc="YYYYMM of the newest service evidence"
    )
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(30))


class Consent(Base):
    """包括同意, effective-dated; a withdrawal closes it, a re-give opens a new row."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_person", "insurer_no", "insured_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(
        String(30),
        doc="MUNICIPALITY_APPLICATION | MUNICIPALITY_RENEWAL | OFFICE_ON_BEHALF | PERSON",
    )
    effective_from: Mapped[dt.date] = mapped_column(Date)
    obtained_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ServiceEvidence(Base):
    """A month in which an office served a person (summary of 給付実績) — keeps assignments alive."""

    __tablename__ = "service_evidence"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    office_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    service_month: Mapped[str] = mapped_column(String(6), primary_key=True)
    source_file_id: Mapped[int] = mapped_column(Integer)


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


class OpinionAccess(Base):
    """A medical institution's access to a person while it writes their 主治医意見書.

    Certification records it through ``access.service.set_opinion_access`` whenever an opinion
    request (主治医意見書作成依頼) is made, corrected, answered or cancelled; the gate reads only
    this table. ``request_ref`` names the request in certification (opaque here).
    """

    __tablename__ = "opinion_access"
    __table_args__ = (
        Index("ix_opinion_access_person", "insurer_no", "insured_no", "institution_code"),
    )

    request_ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    institution_code: Mapped[str] = mapped_column(String(10))
    until: Mapped[dt.date | None] = mapped_column(
        Date, doc="last day of access once the opinion is in; None while the request is open"
    )
    closed: Mapped[bool] = mapped_column(Boolean, default=False, doc="the request was cancelled")
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
