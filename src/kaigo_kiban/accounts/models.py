"""Accounts and credentials. Secrets are stored only as hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class StaffAccount(Base):
    """A person who signs in for an organisation, with a 職種 (job type)."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    login_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    job_type: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str] = mapped_column(String(64))
    is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class Credential(Base):
    """A bearer secret: web session, API access/refresh token, or a system API key (hashed)."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10), doc="session | access | refresh | system")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    label: Mapped[str] = mapped_column(String(100), default="")


class PersonSession(Base):
    """A signed-in card holder acting for one principal: themself, or a person who made them
    their proxy (``proxy_grant_id``). The cookie secret is stored only as its SHA-256."""

    __tablename__ = "person_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    cert_serial: Mapped[str] = mapped_column(String(40))
    issuer_fingerprint: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(100), doc="who holds the card")
    insurer_no: Mapped[str] = mapped_column(String(6), doc="the principal")
    insured_no: Mapped[str] = mapped_column(String(10))
    proxy_grant_id: Mapped[int | None] = mapped_column(Integer)
    # Whom the session acts as, fixed when it signs in or switches (the actor's audit fields).
    principal_name: Mapped[str | None] = mapped_column(String(100))
    acting_name: Mapped[str | None] = mapped_column(String(100), doc="a proxy's name and role")
    proxy_label: Mapped[str | None] = mapped_column(String(40), doc="a proxy: proxy:<id> <name>")
    channel: Mapped[str] = mapped_column(
        String(10), default="portal", server_default="portal", doc="portal | api (an app's token)"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
