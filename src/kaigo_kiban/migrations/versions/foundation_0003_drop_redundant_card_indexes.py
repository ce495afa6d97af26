"""drop card indexes the primary key already covers

Revision ID: foundation_0003
Revises: foundation_0002
Create Date: 2026-11-25 13:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "foundation_0003"
down_revision: str | Sequence[str] | None = "foundation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("insurance_card", "copay_card", "cost_cap_cert", "reduction_cert")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_person", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_person", table, ["insurer_no", "insured_no", "valid_from"])
