"""LIFE data sent by offices: user records (SERVICE_USER_INFO) and assessments (FORM_0000).

Keys follow the LIFE spec: ``external_system_management_number`` is the upsert key within an
office (``care_facility_id``) and service type; sending the same number again replaces the
record (empty cells keep the stored value, a half-width space clears it).

Stored on purpose: the items the platform shows (ADL, nutrition, cognition and their totals).
Not stored: names, kana, remarks and free-text staff names — the platform has the person's
name from the municipality, and LIFE itself keeps those only inside the office.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class LifeFile(Base):
    """One LIFE file taken in (committed files only; rejected ones change nothing)."""

    __tablename__ = "life_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(200))
    interface_id: Mapped[str] = mapped_column(String(30))
    office_no: Mapped[str] = mapped_column(String(10), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    submitted_by: Mapped[str] = mapped_column(String(100))


class LifeUser(Base):
    """利用者情報 of one office and service type."""

    __tablename__ = "life_user"
    __table_args__ = (Index("ix_life_user_person", "insurer_no", "insured_no"),)

    care_facility_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    external_no: Mapped[str] = mapped_column(String(150), primary_key=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(1))
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    certified_date: Mapped[dt.date | None] = mapped_column(Date)
    care_period_start: Mapped[dt.date | None] = mapped_column(Date)
    care_period_end: Mapped[dt.date | None] = mapped_column(Date)
    care_level: Mapped[str | None] = mapped_column(String(2))
    impaired_independence: Mapped[str | None] = mapped_column(String(1))
    dementia_independence: Mapped[str | None] = mapped_column(String(1))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    source_file_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class LifeAssessment(Base):
    """科学的介護推進情報 (FORM_0000_2021): one assessment of one person."""

    __tablename__ = "life_assessment"
    __table_args__ = (
        Index("ix_life_assessment_person", "insurer_no", "insured_no", "evaluate_date"),
    )

    care_facility_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    external_no: Mapped[str] = mapped_column(String(150), primary_key=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    evaluate_date: Mapped[dt.date] = mapped_column(Date)
    facility_category: Mapped[str | None] = mapped_column(String(1), doc="1 施設 / 2 通所・居宅")
    items: Mapped[dict] = mapped_column(JSON, doc="codes of the stored items, by LIFE name")
    barthel_total: Mapped[int | None] = mapped_column(Integer)
    dbd13_total: Mapped[int | None] = mapped_column(Integer)
    vitality_total: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    source_file_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
