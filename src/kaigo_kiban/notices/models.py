"""Notices to insured persons (お知らせ): the portal's inbox, the e-mail address they chose,
and the delivery queue. Below the gate: any area's use case may add a notice after its own
decision (for example a new assigned office), and the portal shows them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


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
