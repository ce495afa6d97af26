"""Help-desk tables: vendors (導入支援事業者) with their regions and services, inquiries
(お問い合わせ) with their messages, and the FAQ.

No person's data: an inquiry belongs to the organisation that sent it (or to the holder of its
secret link), so the access gate does not apply; ownership is checked in the service.
``portal_inquiry_message`` is append-only. The ``portal_`` table names (and the Alembic branch
``portal``) are kept from before the portal was split into areas.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


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
