"""The person portal: card sign-in, person sessions, proxies (代理人), notices and contacts.

Person sessions live here, not in ``credential``: a person has no staff account and no
organisation. No table holds a certificate, a signature or a My Number; a card is known by
its certificate serial and the fingerprint of the CA that issued it (as in ``card_link``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class PersonChallenge(Base):
    """A one-time sign-in challenge (5 minutes). Only its SHA-256 is kept."""

    __tablename__ = "person_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the challenge text (hex)")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    consumed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PersonLoginAttempt(Base):
    """Every card sign-in attempt, successful or refused (no certificate or signature)."""

    __tablename__ = "person_login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(10), doc="signed_in | refused")
    reason: Mapped[str] = mapped_column(String(40))
    cert_serial: Mapped[str | None] = mapped_column(String(40))
    insurer_no: Mapped[str | None] = mapped_column(String(6))
    insured_no: Mapped[str | None] = mapped_column(String(10))
    proxy_grant_id: Mapped[int | None] = mapped_column(Integer)
