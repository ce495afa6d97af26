"""Stored first responses of idempotent API writes (``Idempotency-Key``), kept 24 hours."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class IdempotentResponse(Base):
    """The first response to one (owner, method, path, key); ``status`` 0 while it runs.

    ``owner`` names who sent it (``account:<id>`` or ``credential:<id>`` for system keys), so
    one caller's key never replays another caller's response. ``request_hash`` fingerprints the
    request (query and body) so a reused key with different content is refused.
    """

    __tablename__ = "idempotent_response"
    __table_args__ = (
        UniqueConstraint("owner", "method", "path", "idempotency_key"),
        Index("ix_idempotent_response_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=0, doc="0 = still running")
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
