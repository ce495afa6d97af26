"""住宅改修費 and 福祉用具購入費 usage records, with their history (履歴番号) and allowance flags.

One row per (insurer_no, insured_no, record_no, history_no). ``record_no`` (整理番号) names one
modification or purchase; ``history_no`` numbers its versions as the municipality sends them
(a later 支給決定 is a new 履歴番号). The current version of a record is its live row with the
highest 履歴番号. A correction (訂正) replaces a version's content and keeps the old content in
``usage_revision``; a deletion (削除) marks it ``deleted``.

``exceeds`` / ``excess_yen`` / ``allowance_note`` are derived: after every merge the person's
current records are replayed through :mod:`kaigo_kiban.benefits.rules` and a record whose cost
goes past what remained of its allowance is flagged (accepted, never refused).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class UsageMixin:
    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    record_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    history_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    cost_yen: Mapped[int] = mapped_column(Integer)
    paid_yen: Mapped[int | None] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_file_id: Mapped[int] = mapped_column(Integer)
    exceeds: Mapped[bool] = mapped_column(Boolean, default=False)
    excess_yen: Mapped[int] = mapped_column(Integer, default=0)
    allowance_note: Mapped[str | None] = mapped_column(String(400))


class HomeModification(UsageMixin, Base):
    """住宅改修費の利用 (one modification of one residence)."""

    __tablename__ = "home_modification"
    __table_args__ = (Index("ix_home_modification_person", "insurer_no", "insured_no", "used_on"),)

    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    residence_id: Mapped[str] = mapped_column(String(40))
    care_level: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(String(200))


class EquipmentPurchase(UsageMixin, Base):
    """福祉用具購入費の利用 (one purchase of a 特定福祉用具)."""

    __tablename__ = "equipment_purchase"
    __table_args__ = (Index("ix_equipment_purchase_person", "insurer_no", "insured_no", "used_on"),)

    item_code: Mapped[str] = mapped_column(String(2))
    item_name: Mapped[str | None] = mapped_column(String(100))


class UsageRevision(Base):
    """Content of a usage row as it was before a correction (訂正) replaced it."""

    __tablename__ = "usage_revision"
    __table_args__ = (
        Index("ix_usage_revision_key", "insurer_no", "insured_no", "kind", "record_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    record_no: Mapped[str] = mapped_column(String(20))
    history_no: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    replaced_by_file_id: Mapped[int] = mapped_column(Integer)
    replaced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
