"""Portal tables: subsidy applications (items, receipts, history), the municipal readiness
schedule, vendors, inquiries and FAQ.

None of these hold a person's data: applications and inquiries belong to an organisation
(and the operator), so the access gate does not apply; ownership is checked in the service.
``portal_application_event`` and ``portal_inquiry_message`` are append-only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class SubsidyApplication(Base):
    """助成金の交付申請 of one office or medical institution.

    ``service_types`` and ``beds`` are the applicant's facts the calculation used, refreshed on
    every edit while the application is editable and frozen at submission; the ``*_yen``
    columns and ``reasons_json`` hold the result of that calculation.
    """

    __tablename__ = "portal_application"
    __table_args__ = (Index("ix_portal_application_org_status", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    applicant_kind: Mapped[str] = mapped_column(String(8), doc="office | medical")
    status: Mapped[str] = mapped_column(String(10), index=True)
    service_types: Mapped[str] = mapped_column(String(120), default="", doc="comma-separated")
    beds: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    eligible_cost_yen: Mapped[int] = mapped_column(Integer, default=0)
    cap_yen: Mapped[int] = mapped_column(Integer, default=0)
    grant_yen: Mapped[int] = mapped_column(Integer, default=0)
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    round_name: Mapped[str | None] = mapped_column(String(20))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decided_grant_yen: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decision_no: Mapped[str | None] = mapped_column(String(30))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class SubsidyApplicationItem(Base):
    """One purchase line; ``amount_yen`` is the line total including consumption tax."""

    __tablename__ = "portal_application_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    amount_yen: Mapped[int] = mapped_column(Integer)


class SubsidyReceipt(Base):
    """A receipt file, stored in the database (see docs/portal.md §1.3 for why).

    Removal only sets ``removed_at``: what was submitted stays on record.
    """

    __tablename__ = "portal_receipt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(30), doc="from the magic bytes")
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(100))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class SubsidyApplicationEvent(Base):
    """History of an application: every change, by whom and when (append-only)."""

    __tablename__ = "portal_application_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("portal_application.id"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    organization_kind: Mapped[str | None] = mapped_column(String(12))
    organization_code: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    grant_yen: Mapped[int | None] = mapped_column(Integer, doc="the calculation at this point")


class ReadinessEntry(Base):
    """One municipality's start of sending data to the platform (市町村の開始予定)."""

    __tablename__ = "portal_readiness"

    municipality_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    municipality_name: Mapped[str] = mapped_column(String(50))
    prefecture: Mapped[str] = mapped_column(String(4), index=True)
    insurer_no: Mapped[str] = mapped_column(String(6), index=True)
    planned_start: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10))
    import_id: Mapped[int] = mapped_column(ForeignKey("portal_readiness_import.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ReadinessImport(Base):
    """An accepted readiness file (rejected files change nothing and are not kept)."""

    __tablename__ = "portal_readiness_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    imported_by: Mapped[str] = mapped_column(String(100))


class Vendor(Base):
    """導入支援事業者 listed on the portal."""

    __tablename__ = "portal_vendor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class VendorRegion(Base):
    """A prefecture a vendor serves (absent rows + ``nationwide`` mean everywhere)."""

    __tablename__ = "portal_vendor_region"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("portal_vendor.id"), primary_key=True)
    prefecture: Mapped[str] = mapped_column(String(4), primary_key=True)


class VendorService(Base):
    """A service a vendor offers: READER | CONNECTION_SUPPORT | CAREPLAN_SETUP."""

    __tablename__ = "portal_vendor_service"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("portal_vendor.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(20), primary_key=True)


class Inquiry(Base):
    """お問い合わせ: from a signed-in organisation or anonymously with a contact e-mail.

    Anonymous inquirers read their thread through a secret link; only its hash is stored.
    """

    __tablename__ = "portal_inquiry"
    __table_args__ = (UniqueConstraint("access_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), index=True, doc="OPEN | ANSWERED")
    access_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class InquiryMessage(Base):
    """One message of an inquiry thread (append-only)."""

    __tablename__ = "portal_inquiry_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("portal_inquiry.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(10), doc="requester | operator")
    author_name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class FaqEntry(Base):
    """よくある質問, usually promoted from an answered inquiry by an operator."""

    __tablename__ = "portal_faq"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(12))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    source_inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("portal_inquiry.id"))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
