"""Readiness tables: the municipal readiness schedule (市町村の開始予定) and its imports.

No person's data. The ``portal_`` table names (and the Alembic branch ``portal``) are kept
from before the portal was split into areas.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


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
