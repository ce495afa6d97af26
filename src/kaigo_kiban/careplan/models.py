"""Care-plan exchange tables: the mailbox (transfers and the persons each names) and the
person's copy (交付).

A transfer keeps the file's bytes exactly as sent; the receiver downloads the same bytes.
Each insured person named in a file has a ``CareplanTransferPerson`` row carrying the join key
(計画作成日 or 対象年月) a resend replaces and a delete withdraws, and the limit check made
when the file was sent. Rows are never deleted: a replaced or withdrawn transfer stays as
history with its ``state`` changed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class CareplanTransfer(Base):
    """One care-plan file sent from one office to another office's mailbox.

    ``status`` is the delivery progress (SENT → RECEIVED → IMPORTED); ``state`` says whether
    the file is still in force (ACTIVE) or was replaced by a resend (SUPERSEDED) or withdrawn
    by a delete file (WITHDRAWN), in which case ``replaced_by_id`` names that transfer.
    """

    __tablename__ = "careplan_transfer"
    __table_args__ = (
        Index("ix_careplan_transfer_receiver", "receiver_org_id", "sent_at"),
        Index("ix_careplan_transfer_sender", "sender_org_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(120))
    record_type: Mapped[str] = mapped_column(String(16), doc="file prefix, e.g. UPPLAN")
    csv_version: Mapped[str | None] = mapped_column(String(6))
    content: Mapped[bytes] = mapped_column(LargeBinary, doc="the file's bytes, unchanged")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    sender_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    sender_office_no: Mapped[str] = mapped_column(String(10))
    sender_service_type: Mapped[str] = mapped_column(String(2))
    receiver_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    receiver_office_no: Mapped[str] = mapped_column(String(10))
    receiver_service_type: Mapped[str] = mapped_column(String(2))
    target_month: Mapped[str | None] = mapped_column(String(6), doc="file name's 対象年月")
    service_month: Mapped[str | None] = mapped_column(
        String(6), index=True, doc="YYYYMM for the mailbox filter: 対象年月 or 計画作成日's month"
    )
    file_seq: Mapped[str] = mapped_column(String(14), doc="ファイル連番 (YYYYMMDDHHMMSS)")
    status: Mapped[str] = mapped_column(String(10), doc="SENT | RECEIVED | IMPORTED")
    state: Mapped[str] = mapped_column(String(10), doc="ACTIVE | SUPERSEDED | WITHDRAWN")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("careplan_transfer.id"))
    state_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_by_account: Mapped[int | None] = mapped_column(Integer)
    sent_by_name: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    received_by_account: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    imported_by_account: Mapped[int | None] = mapped_column(Integer)


class CareplanTransferPerson(Base):
    """An insured person named in a transfer, with the join key and the limit check.

    ``join_key`` is the 居宅サービス計画作成（変更）日 (YYYYMMDD) for plan files, the 対象年月
    (YYYYMM) for usage files and delete files of usage, and empty for the 予防 files whose
    key columns are not known. The limit columns are filled for 第6表 files only.
    """

    __tablename__ = "careplan_transfer_person"
    __table_args__ = (
        UniqueConstraint("transfer_id", "insurer_no", "insured_no", "join_key"),
        Index("ix_careplan_transfer_person_key", "insurer_no", "insured_no", "join_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("careplan_transfer.id"), index=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    join_key: Mapped[str] = mapped_column(String(8))
    first_line: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), doc="ACTIVE | SUPERSEDED | WITHDRAWN")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("careplan_transfer.id"))
    total_units: Mapped[int | None] = mapped_column(Integer)
    subject_units: Mapped[int | None] = mapped_column(Integer, doc="units counted for the limit")
    care_level: Mapped[str | None] = mapped_column(String(2))
    benefit_limit_units: Mapped[int | None] = mapped_column(Integer)
    excess_units: Mapped[int | None] = mapped_column(Integer)
    excess_yen: Mapped[int | None] = mapped_column(Integer)
    unit_price: Mapped[str | None] = mapped_column(String(8), doc="yen per unit, e.g. 11.05")
    area_grade: Mapped[str | None] = mapped_column(String(5))
    limit_note: Mapped[str | None] = mapped_column(String(200), doc="why no limit was checked")


class PersonCarePlan(Base):
    """A plan (第1〜3表 transfer) the care-management office delivered (交付) to the person."""

    __tablename__ = "person_care_plan"
    __table_args__ = (
        UniqueConstraint("transfer_id", "insurer_no", "insured_no"),
        Index("ix_person_care_plan_person", "insurer_no", "insured_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("careplan_transfer.id"))
    delivered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    delivered_by_account: Mapped[int | None] = mapped_column(Integer)
    delivered_by_name: Mapped[str] = mapped_column(String(100))
