"""card_fact: what the platform derives about a 被保険者証, apart from the municipal 履歴番号

Revision ID: foundation_0006
Revises: foundation_0005
Create Date: 2026-12-08 01:00:00

Certification results and accepted 届出 used to be written as new 被保険者証 rows with the next
履歴番号, which collided with the municipality's own next 履歴番号. They are facts of their own
now. Rows written that way before this revision stay as they are (they are indistinguishable
from municipal rows once written); re-send the municipality's file to supersede them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kaigo_kiban.core.models

revision: str = "foundation_0006"
down_revision: str | Sequence[str] | None = "foundation_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_fact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("insurer_no", sa.String(length=6), nullable=False),
        sa.Column("insured_no", sa.String(length=10), nullable=False),
        sa.Column("source_ref", sa.String(length=60), nullable=False),
        sa.Column("source_label", sa.String(length=60), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", kaigo_kiban.core.models.UtcDateTime(), nullable=False),
        sa.Column("resolution", sa.String(length=12), nullable=True),
        sa.Column("resolved_at", kaigo_kiban.core.models.UtcDateTime(), nullable=True),
        sa.Column("resolved_by_file_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_fact")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_card_fact_source_ref")),
    )
    op.create_index("ix_card_fact_person", "card_fact", ["insurer_no", "insured_no"])


def downgrade() -> None:
    op.drop_index("ix_card_fact_person", table_name="card_fact")
    op.drop_table("card_fact")
