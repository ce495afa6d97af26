"""Notices to persons: in the portal, and through a pluggable notifier (e-mail).

Kept apart from ``person.service`` on purpose: ``access.service.register_assignment`` calls
:func:`notify_new_assignment`, and ``access`` sits below most areas in the import layers, so
this module imports nothing but its own models and ``core``.

Sending is an outbox: :func:`notify_new_assignment` writes a portal notice and, when the
person asked for e-mail, a ``pending`` delivery row in the caller's transaction. A notifier
sends pending rows later (``kaigo-kiban person deliver-notices``, e.g. every minute from
cron), so a slow or failing mail server never holds a database transaction or loses a notice.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.notices.models import NoticeDelivery, PersonContact, PersonNotice

MAX_ATTEMPTS = 3


class Notifier(Protocol):
    """Sends one message; returns the delivery status to record (``sent`` or ``recorded``)."""

    def send(self, to: str, subject: str, body: str) -> str: ...


class RecordingNotifier:
    """Demo and tests: the delivery row itself is the record; nothing leaves the machine."""

    def send(self, to: str, subject: str, body: str) -> str:
        return "recorded"


@dataclass(frozen=True)
class SmtpNotifier:
    """Production: plain ``smtplib`` (STARTTLS or implicit TLS, optional login)."""

    host: str
    port: int = 587
    sender: str = "kaigo-kiban@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = True
    implicit_tls: bool = False
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body, charset="utf-8")
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls and not self.implicit_tls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
        return "sent"


def notifier_from_settings(settings: Any) -> Notifier:
    """SMTP when ``KK_SMTP_HOST`` is set (and not in demo mode), else the recording notifier.

    Read with ``getattr`` so the portal works before the SMTP settings exist in ``Settings``.
    """
    host = getattr(settings, "smtp_host", "") or ""
    if not host or getattr(settings, "demo_mode", False):
        return RecordingNotifier()
    return SmtpNotifier(
        host=host,
        port=int(getattr(settings, "smtp_port", 587)),
        sender=getattr(settings, "smtp_from", "") or "kaigo-kiban@localhost",
        username=getattr(settings, "smtp_username", "") or "",
        password=getattr(settings, "smtp_password", "") or "",
        starttls=bool(getattr(settings, "smtp_starttls", True)),
        implicit_tls=bool(getattr(settings, "smtp_implicit_tls", False)),
        timeout=float(getattr(settings, "smtp_timeout_seconds", 10.0)),
    )


def add_notice(
    session: Session, insurer_no: str, insured_no: str, kind: str, title: str, body: str
) -> PersonNotice:
    """A portal notice, plus an e-mail delivery when the person asked for one."""
    now = utcnow()
    notice = PersonNotice(
        insurer_no=insurer_no,
        insured_no=insured_no,
        kind=kind,
        title=title,
        body=body,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    contact = session.get(PersonContact, (insurer_no, insured_no))
    if contact is not None and contact.notify_by_email and contact.email:
        session.add(
            NoticeDelivery(
                notice_id=notice.id,
                channel="email",
                address=contact.email,
                subject=f"【介護情報基盤】{title}",
                body=body + "\n\n詳しくは介護情報基盤のご本人向けページでご確認ください。",
                status="pending",
                attempts=0,
                created_at=now,
            )
        )
        session.flush()
    return notice


def notify_new_assignment(
    session: Session, insurer_no: str, insured_no: str, office_name: str
) -> PersonNotice:
    """Tell the person that an office registered as their assigned office (担当事業所).

    Called by ``access.service.register_assignment`` in its transaction.
    """
    title = "新しい担当事業所が登録されました"
    body = (
        f"「{office_name}」が、あなたの担当事業所として登録されました。"
        "この事業所は、あなたの同意の範囲で介護保険の情報を見ることができます。"
        "心当たりがない場合は、「同意の設定」から担当を終了できます。"
    )
    return add_notice(session, insurer_no, insured_no, "NEW_ASSIGNMENT", title, body)


def deliver_pending(session: Session, notifier: Notifier, *, limit: int = 100) -> dict[str, int]:
    """Send pending deliveries with ``notifier``; a failure is retried up to MAX_ATTEMPTS."""
    counts = {"sent": 0, "recorded": 0, "failed": 0, "retry": 0}
    rows = session.scalars(
        select(NoticeDelivery)
        .where(NoticeDelivery.status == "pending")
        .order_by(NoticeDelivery.id)
        .limit(limit)
    ).all()
    for row in rows:
        row.attempts += 1
        try:
            row.status = notifier.send(row.address, row.subject, row.body)
        except (OSError, smtplib.SMTPException) as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                counts["failed"] += 1
            else:
                counts["retry"] += 1
            continue
        row.sent_at = utcnow()
        counts[row.status] = counts.get(row.status, 0) + 1
    session.flush()
    return counts


# --- the person's notices and contact (the person portal) ------------------------------------


def list_person_notices(
    session: Session, insurer_no: str, insured_no: str, limit: int = 20
) -> list[PersonNotice]:
    """The person's notices (お知らせ), newest first."""
    return list(
        session.scalars(
            select(PersonNotice)
            .where(PersonNotice.insurer_no == insurer_no, PersonNotice.insured_no == insured_no)
            .order_by(PersonNotice.id.desc())
            .limit(limit)
        )
    )


def mark_person_notices_read(session: Session, insurer_no: str, insured_no: str) -> None:
    now = utcnow()
    for notice in list_person_notices(session, insurer_no, insured_no, limit=200):
        if notice.read_at is None:
            notice.read_at = now


def person_contact(session: Session, insurer_no: str, insured_no: str) -> PersonContact | None:
    return session.get(PersonContact, (insurer_no, insured_no))


def set_person_contact(
    session: Session, insurer_no: str, insured_no: str, email: str, notify: bool
) -> PersonContact:
    """Where the person's notices go besides the portal: an e-mail address, or none."""
    email = email.strip()
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise InvalidInput("メールアドレスを正しく入力してください", code="PERSON-EMAIL-INVALID")
    contact = session.get(PersonContact, (insurer_no, insured_no))
    if contact is None:
        contact = PersonContact(insurer_no=insurer_no, insured_no=insured_no)
        session.add(contact)
    contact.email = email or None
    contact.notify_by_email = bool(notify and email)
    contact.updated_at = utcnow()
    session.flush()
    return contact
