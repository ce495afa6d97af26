"""Registry tables: insurers, the municipalities they cover, and their insured persons.

Every table holding a person's data is keyed by ``insurer_no`` first, so it can be
partitioned (PostgreSQL) or distributed (Citus) by insurer without changing keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class Insurer(Base):
    """保険者 (a municipality or a 広域連合)."""

    __tablename__ = "insurer"

    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture_code: Mapped[str] = mapped_column(String(2))
    area_grade: Mapped[str] = mapped_column(
        String(2), default="99", doc="地域区分 (級地); 99 = その他"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class Municipality(Base):
    """市町村 covered by an insurer (a 広域連合 covers several)."""

    __tablename__ = "municipality"

    municipality_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    insurer_no: Mapped[str] = mapped_column(ForeignKey("insurer.insurer_no"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture_name: Mapped[str] = mapped_column(String(10))


class InsuredPerson(Base):
    """被保険者: the newest demographics, kept in step with the 被保険者証 history.

    The row is derived from the card with the highest 履歴番号, so a late older card never
    overwrites newer facts.
    """

    __tablename__ = "insured_person"

    insurer_no: Mapped[str] = mapped_column(ForeignKey("insurer.insurer_no"), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    name_kanji: Mapped[str] = mapped_column(String(100), default="")
    name_kana: Mapped[str] = mapped_column(String(100), index=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1), doc="1 男 / 2 女")
    postal_code: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    qualified_on: Mapped[dt.date] = mapped_column(Date)
    disqualified_on: Mapped[dt.date | None] = mapped_column(Date)
    latest_history_no: Mapped[int] = mapped_column(Integer)


class Organization(Base):
    """An organisation that has accounts: care office, medical institution, municipality, operator.

    ``code`` is the 事業所番号 (office), 医療機関コード (medical), 保険者番号 (municipality) or an
    operator code. Municipal organisations carry the ``insurer_no`` whose persons they hold.
    """

    __tablename__ = "organization"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12), doc="office | medical | municipality | operator")
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    prefecture_code: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(String(200))
    insurer_no: Mapped[str | None] = mapped_column(ForeignKey("insurer.insurer_no"))
    beds: Mapped[int | None] = mapped_column(Integer, doc="medical institutions: 病床数")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OfficeService(Base):
    """A service type (サービス種類コード) an office provides under its 事業所番号."""

    __tablename__ = "office_service"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(2), primary_key=True)
