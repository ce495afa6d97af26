"""Alembic environment: the engine is handed in by ``core.database.migrate``.

Each business area owns one branch of revisions (``branch_labels=("<area>",)``); ``depends_on``
expresses foreign keys between areas, and ``upgrade heads`` applies them all in order.
"""

from __future__ import annotations

from alembic import context

from kaigo_kiban.core.database import make_engine
from kaigo_kiban.core.models import Base
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tables import load_all_models

load_all_models()

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine") or make_engine(Settings())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
