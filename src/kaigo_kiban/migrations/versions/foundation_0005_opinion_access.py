"""opinion_access: the access an opinion request gives its medical institution, owned by access

Revision ID: foundation_0005
Revises: foundation_0004
Create Date: 2026-12-08 00:50:00

The gate used to read certification's ``opinion_request`` table; it now reads this one, which
certification keeps up to date. Existing requests are copied over with the same rule
(open: no end; submitted: 150 days after the request; cancelled: none).
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kaigo_kiban.core.models

revision: str = "foundation_0005"
down_revision: str | Sequence[str] | None = "foundation_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "certification_0001"

OPINION_ACCESS_DAYS = 150  # certification.opinions.rules.OPINION_ACCESS_DAYS at this revision


def upgrade() -> None:
    table = op.create_table(
        "opinion_access",
        sa.Column("request_ref", sa.String(length=40), nullable=False),
        sa.Column("insurer_no", sa.String(length=6), nullable=False),
        sa.Column("insured_no", sa.String(length=10), nullable=False),
        sa.Column("institution_code", sa.String(length=10), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", kaigo_kiban.core.models.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_ref", name=op.f("pk_opinion_access")),
    )
    op.create_index(
        "ix_opinion_access_person",
        "opinion_access",
        ["insurer_no", "insured_no", "institution_code"],
        unique=False,
    )
    requests = sa.table(
        "opinion_request",
        sa.column("id", sa.Integer),
        sa.column("insurer_no", sa.String),
        sa.column("insured_no", sa.String),
        sa.column("institution_code", sa.String),
        sa.column("requested_on", sa.Date),
        sa.column("status", sa.String),
    )
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "request_ref": f"opinion_request:{r.id}",
            "insurer_no": r.insurer_no,
            "insured_no": r.insured_no,
            "institution_code": r.institution_code,
            "until": (
                r.requested_on + dt.timedelta(days=OPINION_ACCESS_DAYS)
                if r.status == "submitted"
                else None
            ),
            "closed": r.status == "cancelled",
            "updated_at": now,
        }
        for r in op.get_bind().execute(sa.select(requests))
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_opinion_access_person", table_name="opinion_access")
    op.drop_table("opinion_access")
