"""careplan tables: the care-plan mailbox (transfers, their persons) and the person's copy.

Revision ID: careplan_0001
Revises:
Create Date: 2026-11-25 13:23:39.499870
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kaigo_kiban.core.models

revision: str = "careplan_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("careplan",)
depends_on: str | Sequence[str] | None = "foundation_0002"


def upgrade() -> None:
    op.create_table(
        "careplan_transfer",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("csv_version", sa.String(length=6), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("sender_org_id", sa.Integer(), nullable=False),
        sa.Column("sender_office_no", sa.String(length=10), nullable=False),
        sa.Column("sender_service_type", sa.String(length=2), nullable=False),
        sa.Column("receiver_org_id", sa.Integer(), nullable=False),
        sa.Column("receiver_office_no", sa.String(length=10), nullable=False),
        sa.Column("receiver_service_type", sa.String(length=2), nullable=False),
        sa.Column("target_month", sa.String(length=6), nullable=True),
        sa.Column("service_month", sa.String(length=6), nullable=True),
        sa.Column("file_seq", sa.String(length=14), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "state_changed_at", kaigo_kiban.core.models.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("sent_at", kaigo_kiban.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_by_account", sa.Integer(), nullable=True),
        sa.Column("sent_by_name", sa.String(length=100), nullable=False),
        sa.Column("received_at", kaigo_kiban.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("received_by_account", sa.Integer(), nullable=True),
        sa.Column("imported_at", kaigo_kiban.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("imported_by_account", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["receiver_org_id"],
            ["organization.id"],
            name=op.f("fk_careplan_transfer_receiver_org_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["careplan_transfer.id"],
            name=op.f("fk_careplan_transfer_replaced_by_id_careplan_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_org_id"],
            ["organization.id"],
            name=op.f("fk_careplan_transfer_sender_org_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careplan_transfer")),
    )
    with op.batch_alter_table("careplan_transfer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_careplan_transfer_receiver", ["receiver_org_id", "sent_at"], unique=False
        )
        batch_op.create_index(
            "ix_careplan_transfer_sender", ["sender_org_id", "sent_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_careplan_transfer_service_month"), ["service_month"], unique=False
        )

    op.create_table(
        "careplan_transfer_person",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("insurer_no", sa.String(length=6), nullable=False),
        sa.Column("insured_no", sa.String(length=10), nullable=False),
        sa.Column("join_key", sa.String(length=8), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("total_units", sa.Integer(), nullable=True),
        sa.Column("subject_units", sa.Integer(), nullable=True),
        sa.Column("care_level", sa.String(length=2), nullable=True),
        sa.Column("benefit_limit_units", sa.Integer(), nullable=True),
        sa.Column("excess_units", sa.Integer(), nullable=True),
        sa.Column("excess_yen", sa.Integer(), nullable=True),
        sa.Column("unit_price", sa.String(length=8), nullable=True),
        sa.Column("area_grade", sa.String(length=5), nullable=True),
        sa.Column("limit_note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["careplan_transfer.id"],
            name=op.f("fk_careplan_transfer_person_replaced_by_id_careplan_transfer"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["careplan_transfer.id"],
            name=op.f("fk_careplan_transfer_person_transfer_id_careplan_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_careplan_transfer_person")),
        sa.UniqueConstraint(
            "transfer_id",
            "insurer_no",
            "insured_no",
            "join_key",
            name=op.f("uq_careplan_transfer_person_transfer_id_insurer_no_insured_no_join_key"),
        ),
    )
    with op.batch_alter_table("careplan_transfer_person", schema=None) as batch_op:
        batch_op.create_index(
            "ix_careplan_transfer_person_key",
            ["insurer_no", "insured_no", "join_key"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_careplan_transfer_person_transfer_id"), ["transfer_id"], unique=False
        )

    op.create_table(
        "person_care_plan",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("insurer_no", sa.String(length=6), nullable=False),
        sa.Column("insured_no", sa.String(length=10), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column(
            "delivered_at", kaigo_kiban.core.models.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("delivered_by_account", sa.Integer(), nullable=True),
        sa.Column("delivered_by_name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["careplan_transfer.id"],
            name=op.f("fk_person_care_plan_transfer_id_careplan_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_care_plan")),
        sa.UniqueConstraint(
            "transfer_id",
            "insurer_no",
            "insured_no",
            name=op.f("uq_person_care_plan_transfer_id_insurer_no_insured_no"),
        ),
    )
    with op.batch_alter_table("person_care_plan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_care_plan_person", ["insurer_no", "insured_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("person_care_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_person_care_plan_person")
    op.drop_table("person_care_plan")
    with op.batch_alter_table("careplan_transfer_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careplan_transfer_person_transfer_id"))
        batch_op.drop_index("ix_careplan_transfer_person_key")
    op.drop_table("careplan_transfer_person")
    with op.batch_alter_table("careplan_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_careplan_transfer_service_month"))
        batch_op.drop_index("ix_careplan_transfer_sender")
        batch_op.drop_index("ix_careplan_transfer_receiver")
    op.drop_table("careplan_transfer")
