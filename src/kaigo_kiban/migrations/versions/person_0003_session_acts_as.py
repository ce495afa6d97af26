"""person sessions remember whom they act as (principal, proxy name and label), so the actor
is resolved from the session row alone (accounts.actors), below the access gate

Revision ID: person_0003
Revises: person_0002
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "person_0003"
down_revision: str | Sequence[str] | None = "person_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_session") as batch:
        batch.add_column(sa.Column("principal_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("acting_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("proxy_label", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person_session") as batch:
        batch.drop_column("proxy_label")
        batch.drop_column("acting_name")
        batch.drop_column("principal_name")
