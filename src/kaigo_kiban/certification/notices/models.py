"""居宅サービス計画作成依頼届出 table: notices submitted online by care-management offices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class PlanNotice(Base):
    """居宅サービス計画作成依頼届出, submitted online by the assigned care-management office."""

    __tablename__ = "plan_notice"
    __table_args__ = (Index("ix_plan_notice_inbox", "insurer_no", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    office_no: Mapped[str] = mapped_column(String(10))
    service_type: Mapped[str] = mapped_column(String(2), doc="43 居宅介護支援 / 46 介護予防支援")
    notice_kind: Mapped[str] = mapped_column(String(1), doc="1 新規 2 変更")
    plan_valid_from: Mapped[dt.date] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), doc="submitted | accepted | returned")
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    submitted_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    notified_on: Mapped[dt.date | None] = mapped_column(Date, doc="届出年月日 (accepted)")
    return_reason: Mapped[str | None] = mapped_column(String(500))
    card_history_no: Mapped[int | None] = mapped_column(Integer)
