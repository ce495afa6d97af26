"""主治医意見書 tables: requests (insurer → medical institution) and the opinions written for them.

Imports only ``core`` so that ``access`` may look up opinion requests without a cycle.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class OpinionRequest(Base):
    """主治医意見書作成依頼: the insurer asks a medical institution for an opinion."""

    __tablename__ = "opinion_request"
    __table_args__ = (
        UniqueConstraint("insurer_no", "application_no", "institution_code"),
        Index("ix_opinion_request_person", "insurer_no", "insured_no"),
        Index("ix_opinion_request_institution", "institution_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    application_no: Mapped[str] = mapped_column(String(20))
    institution_code: Mapped[str] = mapped_column(String(10))
    doctor_name: Mapped[str | None] = mapped_column(String(100))
    requested_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), doc="open | submitted | cancelled")
    source_file_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PhysicianOpinion(Base):
    """主治医意見書: the form's content as JSON keyed by form item; frozen when submitted."""

    __tablename__ = "physician_opinion"
    __table_args__ = (Index("ix_physician_opinion_person", "insurer_no", "insured_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("opinion_request.id"), unique=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    application_no: Mapped[str] = mapped_column(String(20))
    institution_code: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), doc="draft | submitted")
    content: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)
    canonical_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(Text, doc="base64 DER ECDSA-SHA256")
    signer_chain_pem: Mapped[str | None] = mapped_column(Text)
    signer_subject: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), doc="received by us")
