"""person sessions say whether they are the portal's or an app's (API token)

Revision ID: person_0002
Revises: person_0001
Create Date: 2026-11-25 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "person_0002"
down_revision: str | Sequence[str] | None = "person_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_session") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=10), nullable=False, server_default="portal")
        )


def downgrade() -> None:
    with op.batch_alter_table("person_session") as batch:
        batch.drop_column("channel")
