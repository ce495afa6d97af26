"""Idempotency keys: claim a key, store the first response, replay it for 24 hours.

Each function runs in the caller's transaction; the web layer gives each step a short
transaction of its own, so a claim is visible to a concurrent repeat before the write runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.http import rules
from kaigo_kiban.http.models import IdempotentResponse


@dataclass(frozen=True)
class Claim:
    """``claimed`` (go ahead, then :func:`complete` or :func:`release`), ``replay`` (send the
    stored response), ``mismatch`` (same key, different request) or ``running`` (the first
    request with this key has not finished)."""

    state: str
    row_id: int | None = None
    status: int = 0
    content_type: str | None = None
    body: bytes = b""


def claim(
    session: Session, owner: str, method: str, path: str, key: str, fingerprint: str
) -> Claim:
    """Look the key up for this owner; if it is new, record it as running."""
    now = utcnow()
    session.execute(delete(IdempotentResponse).where(IdempotentResponse.expires_at <= now))
    where = (
        IdempotentResponse.owner == owner,
        IdempotentResponse.method == method,
        IdempotentResponse.path == path,
        IdempotentResponse.idempotency_key == key,
    )
    row = session.scalar(select(IdempotentResponse).where(*where))
    if row is None:
        row = IdempotentResponse(
            owner=owner,
            method=method,
            path=path,
            idempotency_key=key,
            request_hash=fingerprint,
            status=0,
            created_at=now,
            expires_at=now + rules.IDEMPOTENCY_TTL,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # a concurrent first request claimed it a moment ago
            return Claim("running")
        return Claim("claimed", row.id)
    if row.request_hash != fingerprint:
        return Claim("mismatch", row.id)
    if row.status == 0:
        return Claim("running", row.id)
    return Claim("replay", row.id, row.status, row.content_type, row.body or b"")


def complete(
    session: Session, row_id: int, status: int, content_type: str | None, body: bytes
) -> None:
    """Store the first response for replay."""
    row = session.get(IdempotentResponse, row_id)
    if row is not None:
        row.status, row.content_type, row.body = status, content_type, body


def release(session: Session, row_id: int) -> None:
    """Forget a claim whose request failed without a definite answer, so it may be retried."""
    session.execute(delete(IdempotentResponse).where(IdempotentResponse.id == row_id))
