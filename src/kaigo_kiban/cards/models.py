"""Card tables. One row per (insurer_no, insured_no, history_no); rows are history, never lost.

The primary key also serves "valid on date" reads (a person has few rows), so the tables carry
no secondary index: every index costs on each of the millions of rows a snapshot inserts.

A correction (訂正) replaces the content of an existing 履歴番号 and keeps the replaced
content in ``card_revision``; a deletion (削除) marks the row ``deleted`` and leaves it
readable. The current card on date D is the live row covering D that no newer 履歴番号
supersedes (docs/interface.md).

What the platform derives itself (a certification result, an accepted 届出) is not written into
the municipality's 履歴番号 sequence: it is a ``card_fact`` of its own, merged over the
municipal card at read time until a later municipal file resolves it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kaigo_kiban.core.models import Base, UtcDateTime


class CardMixin:
    insurer_no: Mapped[str] = mapped_column(String(6), primary_key=True)
    insured_no: Mapped[str] = mapped_column(String(10), primary_key=True)
    history_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_file_id: Mapped[int] = mapped_column(Integer)


class InsuranceCard(CardMixin, Base):
    """被保険者証 (items follow the 受給者異動連絡票 5311 where they overlap)."""

    __tablename__ = "insurance_card"

    change_date: Mapped[dt.date] = mapped_column(Date)
    change_kind: Mapped[str] = mapped_column(String(1))
    change_reason: Mapped[str] = mapped_column(String(2))
    name_kana: Mapped[str] = mapped_column(String(100))
    name_kanji: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    postal_code: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(200))
    qualified_on: Mapped[dt.date] = mapped_column(Date)
    disqualified_on: Mapped[dt.date | None] = mapped_column(Date)
    application_kind: Mapped[str | None] = mapped_column(String(1))
    application_status: Mapped[str | None] = mapped_column(String(1))
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    care_level: Mapped[str | None] = mapped_column(String(2))
    cert_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    cert_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    plan_kind: Mapped[str | None] = mapped_column(String(1))
    plan_office_no: Mapped[str | None] = mapped_column(String(10))
    plan_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    plan_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    plan_notified_on: Mapped[dt.date | None] = mapped_column(Date)
    benefit_limit_units: Mapped[int | None] = mapped_column(Integer)
    limit_valid_from: Mapped[dt.date | None] = mapped_column(Date)
    limit_valid_to: Mapped[dt.date | None] = mapped_column(Date)
    reimbursement_from: Mapped[dt.date | None] = mapped_column(Date)
    reimbursement_to: Mapped[dt.date | None] = mapped_column(Date)
    benefit_cut_from: Mapped[dt.date | None] = mapped_column(Date)
    benefit_cut_to: Mapped[dt.date | None] = mapped_column(Date)
    address_exception: Mapped[str | None] = mapped_column(String(1))
    facility_insurer_no: Mapped[str | None] = mapped_column(String(6))

    # The platform's derived facts shown over this row (set on a shown copy, never stored).
    platform_facts: tuple[Any, ...] = ()  # type: ignore[misc]


class CopayCard(CardMixin, Base):
    """負担割合証: 1, 2 or 3割, valid 8/1–7/31."""

    __tablename__ = "copay_card"

    ratio: Mapped[int] = mapped_column(Integer)


class CostCapCert(CardMixin, Base):
    """負担限度額認定証: stage and daily caps (yen) for food and residence by room type."""

    __tablename__ = "cost_cap_cert"

    stage: Mapped[str] = mapped_column(String(2), doc="1, 2, 31 (3①), 32 (3②)")
    food_cap_yen: Mapped[int] = mapped_column(Integer)
    food_cap_short_stay_yen: Mapped[int | None] = mapped_column(Integer)
    unit_private_yen: Mapped[int | None] = mapped_column(Integer)
    unit_semi_private_yen: Mapped[int | None] = mapped_column(Integer)
    conventional_private_special_yen: Mapped[int | None] = mapped_column(Integer)
    conventional_private_other_yen: Mapped[int | None] = mapped_column(Integer)
    multi_bed_yen: Mapped[int | None] = mapped_column(Integer)


class ReductionCert(CardMixin, Base):
    """減免減額認定証 (利用者負担減免, 社会福祉法人等軽減 …)."""

    __tablename__ = "reduction_cert"

    reduction_kind: Mapped[str] = mapped_column(String(1))
    benefit_rate_percent: Mapped[int | None] = mapped_column(Integer)
    reduction_rate_permille: Mapped[int | None] = mapped_column(Integer)


class CardRevision(Base):
    """Content of a card row as it was before a correction (訂正) replaced it."""

    __tablename__ = "card_revision"
    __table_args__ = (
        Index("ix_card_revision_key", "insurer_no", "insured_no", "card_kind", "history_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    card_kind: Mapped[str] = mapped_column(String(20))
    history_no: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    replaced_by_file_id: Mapped[int] = mapped_column(Integer)
    replaced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CardFact(Base):
    """A fact about a person's 被保険者証 that the platform derived itself, apart from the
    municipality's rows: a certification result (要介護状態区分, 認定有効期間, 限度額) or an
    accepted 居宅サービス計画作成依頼届出 (計画作成事業所). It applies over the municipal card from
    ``valid_from`` until a later municipal file for the person resolves it (``resolution``:
    ``confirmed`` when the file says the same, ``contradicted`` when it does not; the
    municipality sees the contradicted ones). Deleting its source deletes it.
    """

    __tablename__ = "card_fact"
    __table_args__ = (Index("ix_card_fact_person", "insurer_no", "insured_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    insurer_no: Mapped[str] = mapped_column(String(6))
    insured_no: Mapped[str] = mapped_column(String(10))
    source_ref: Mapped[str] = mapped_column(
        String(60), unique=True, doc="cert_result:<保険者番号>:<申請番号> | plan_notice:<id>"
    )
    source_label: Mapped[str] = mapped_column(
        String(60), doc="認定結果 | 居宅サービス計画作成依頼届出"
    )
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    changes: Mapped[dict] = mapped_column(JSON, doc="被保険者証 columns → values (ISO dates)")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    resolution: Mapped[str | None] = mapped_column(String(12), doc="confirmed | contradicted")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    resolved_by_file_id: Mapped[int | None] = mapped_column(Integer)
