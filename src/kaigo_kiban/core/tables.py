"""Import every area's ``models`` so ``Base.metadata`` knows all tables (for Alembic and checks)."""

from __future__ import annotations

import importlib
import pkgutil

import kaigo_kiban


def load_all_models() -> None:
    """Import ``kaigo_kiban.<area>.models`` and ``kaigo_kiban.<area>.<sub-area>.models`` for
    every area and sub-area that has one."""
    for info in pkgutil.iter_modules(kaigo_kiban.__path__):
        if not info.ispkg or info.name in {"migrations", "web"}:
            continue
        area = importlib.import_module(f"kaigo_kiban.{info.name}")
        _import_models(area.__name__)
        for sub in pkgutil.iter_modules(area.__path__):
            if sub.ispkg:
                _import_models(f"{area.__name__}.{sub.name}")


def _import_models(package: str) -> None:
    try:
        importlib.import_module(f"{package}.models")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.models":
            raise
