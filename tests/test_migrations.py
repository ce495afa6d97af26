"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL.

A model change without its migration (or a migration that drifts from the models) fails here,
before it can reach a database that was migrated rather than created from the models.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import kaigo_kiban.app.factory  # noqa: F401  (imports every area, so every model is registered)
from kaigo_kiban.core.models import Base


def test_the_migrated_schema_is_the_models_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
