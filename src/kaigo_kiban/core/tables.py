"""Import every area's ``models`` so ``Base.metadata`` knows all tables (for Alembic and checks)."""

from __future__ import annotations

import importlib
import pkgutil

import kaigo_kiban


def load_all_models() -> None:
    """Import every ``models`` module of every area and sub-area (``kaigo_kiban.**.models``)."""
    for info in pkgutil.walk_packages(kaigo_kiban.__path__, "kaigo_kiban."):
        if info.name.rsplit(".", 1)[-1] == "models" and ".migrations" not in info.name:
            importlib.import_module(info.name)
