"""What every CLI command shares: the settings chosen by global options, and the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kaigo_kiban.core.database import make_engine, make_session_factory, migrate
from kaigo_kiban.core.settings import Settings


@dataclass
class CliContext:
    settings: Settings
    ingest_kinds: Mapping[str, Any] = field(default_factory=dict)  # set by the composition root
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        """The database, created or migrated on first use (every command may need it)."""
        if self._engine is None:
            self._engine = make_engine(self.settings)
            migrate(self._engine)
        return self._engine

    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine())


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):
        obj = CliContext(Settings())
        ctx.find_root().obj = obj
    return obj
