"""Case tables: applications, milestone dates, results, surveys, the change log and the
webhook subscriptions that announce it.

Progress is never stored: it is derived from the dates here by ``rules.derive_progress``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class CertApplication(Base):
    """要介護認定の申請 (one per 申請番号 of an insurer)."""

    __tablename__ = "cert_application"
    __table_args__ = (
        Index("ix_cert_application_person", "insurer_no", "insured_no", "applied_on"),
    )

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10))
    application_kind: Mapped[str] = mapped_column(
        String(1), doc="1 新規 2 更新 3 区分変更 4 転入 9 その他"
    )
    applied_on: Mapped[dt.date] = mapped_column(Date)
    previous_care_level: Mapped[str | None] = mapped_column(String(2))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_file_id: Mapped[int] = mapped_column(Integer)


class CertMilestone(Base):
    """One known date of an application (code → ``rules.Milestones`` field, see formats)."""

    __tablename__ = "cert_milestone"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    milestone: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    source_file_id: Mapped[int] = mapped_column(Integer, doc="0 = recorded by the platform")


class CertResult(Base):
    """The outcome of an application: a decided care level, or 却下 / 取下げ / 死亡等."""

    __tablename__ = "cert_result"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(1), doc="1 決定 2 却下 3 取下げ 4 死亡等")
    care_level: Mapped[str | None] = mapped_column(String(2))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    panel_remarks: Mapped[str | None] = mapped_column(Text)
    card_history_no: Mapped[int | None] = mapped_column(
        Integer, doc="被保険者証 history row the platform derived from this result"
    )
    source_file_id: Mapped[int] = mapped_column(Integer)


class CertSurvey(Base):
    """認定調査の結果: basic items (code per item id), 特別な医療, 自立度, 概況, 特記事項."""

    __tablename__ = "cert_survey"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    surveyed_on: Mapped[dt.date] = mapped_column(Date)
    items: Mapped[dict] = mapped_column(JSON, doc='{"1-1": [2, 4], "1-3": 1, ...}')
    special_medical: Mapped[list] = mapped_column(JSON, doc="numbers (1–12) of the items present")
    physical_independence: Mapped[str | None] = mapped_column(String(2))
    dementia_independence: Mapped[str | None] = mapped_column(String(2))
    overview: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    source_file_id: Mapped[int] = mapped_column(Integer)


class CertEvent(Base):
    """A change to a case (a date set, corrected or cleared; a result; an opinion received).

    The care managers' feed and the webhooks read this log; it is also the history of
    corrections, since the date tables keep only the current value.
    """

    __tablename__ = "cert_event"
    __table_args__ = (Index("ix_cert_event_person", "insurer_no", "insured_no", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    application_no: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    field: Mapped[str] = mapped_column(
        String(40), doc="Milestones field, 'application' or 'result'"
    )
    action: Mapped[str] = mapped_column(String(12), doc="set | corrected | cleared")
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str | None] = mapped_column(String(40))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state_after: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), doc="file:<id> | opinion:<id>")


class WebhookSubscription(Base):
    """A URL an office wants progress changes of its persons posted to (HMAC-signed)."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    job_type: Mapped[str | None] = mapped_column(String(40), doc="the subscriber's, for the gate")
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80), doc="HMAC key; shown once to the subscriber")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0, doc="events fanned out so far")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One event for one subscription; retried with exponential backoff, bounded."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("cert_event.id"))
    body: Mapped[str] = mapped_column(Text, doc="exact JSON bytes (UTF-8) that are signed")
    status: Mapped[str] = mapped_column(String(10), doc="pending | delivered | failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery and what came back."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    succeeded: Mapped[bool] = mapped_column(Boolean)
