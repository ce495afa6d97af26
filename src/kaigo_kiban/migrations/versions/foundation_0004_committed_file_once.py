"""a file's bytes commit once (partial unique index)

Revision ID: foundation_0004
Revises: foundation_0003
Create Date: 2026-11-25 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "foundation_0004"
down_revision: str | Sequence[str] | None = "foundation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_ingest_file_committed",
        "ingest_file",
        ["sha256", "kind"],
        unique=True,
        sqlite_where=sa.text("status = 'committed'"),
        postgresql_where=sa.text("status = 'committed'"),
    )


def downgrade() -> None:
    op.drop_index("uq_ingest_file_committed", table_name="ingest_file")
