"""Import every area's ``models`` so ``Base.metadata`` knows all tables (for Alembic and checks)."""

from __future__ import annotations

import importlib
import pkgutil

import kaigo_kiban


def load_all_models() -> None:
    """Import ``kaigo_kiban.<area>.models`` for every area that has one."""
    for info in pkgutil.iter_modules(kaigo_kiban.__path__):
        if not info.ispkg or info.name in {"migrations", "web"}:
            continue
        try:
            importlib.import_module(f"kaigo_kiban.{info.name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"kaigo_kiban.{info.name}.models":
                raise
