"""The intake log: one row per file received, committed or rejected."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class IngestFile(Base):
    __tablename__ = "ingest_file"
    __table_args__ = (
        Index("ix_ingest_file_sha", "sha256", "status"),
        # The same bytes commit once, even when two identical files race on PostgreSQL: the
        # second insert waits for the first transaction and then fails instead of committing twice.
        Index(
            "uq_ingest_file_committed",
            "sha256",
            "kind",
            unique=True,
            sqlite_where=text("status = 'committed'"),
            postgresql_where=text("status = 'committed'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(40))
    insurer_no: Mapped[str | None] = mapped_column(String(6), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), doc="committed | rejected")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list, doc="first errors, for the report")
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
