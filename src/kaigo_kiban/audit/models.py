"""The access log: append-only, one hash chain per insurer (partitionable like the data)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_chain_seq", "chain", "seq", unique=True),
        Index("ix_audit_event_person", "insurer_no", "insured_no", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(6), doc="insurer_no of the person, or '-'")
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_kind: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    organization_kind: Mapped[str | None] = mapped_column(String(12))
    organization_code: Mapped[str | None] = mapped_column(String(10))
    organization_name: Mapped[str | None] = mapped_column(String(120))
    service_types: Mapped[str | None] = mapped_column(String(60))
    job_type: Mapped[str | None] = mapped_column(String(40))
    cert_serial: Mapped[str | None] = mapped_column(String(64))
    proxy_for: Mapped[str | None] = mapped_column(String(40))
    insurer_no: Mapped[str | None] = mapped_column(String(6))
    insured_no: Mapped[str | None] = mapped_column(String(10))
    data_kind: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(8), doc="allowed | denied")
    reason: Mapped[str] = mapped_column(String(60))
    request_id: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The newest event of each chain; locking it serialises appends to that chain."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(6), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
