"""Subsidy tables: applications, their purchase lines, receipts and history.

None of these hold a person's data: an application belongs to an organisation (and the
operator reviews it), so the access gate does not apply; ownership is checked in the service.
``portal_application_event`` is append-only. The ``portal_`` table names (and the Alembic
branch ``portal``) are kept from before the portal was split into areas.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
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
