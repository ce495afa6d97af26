"""SIGKILL at random points of an ingest never leaves a partial file (20 runs on SQLite, 8 on
PostgreSQL; ``bench/crash.py --runs 200 [--db postgresql+psycopg://…]`` is the long version)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "crash.py"


def _crash_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_bench", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_killed_ingest_leaves_before_or_committed_and_rerun_commits(tmp_path: Path) -> None:
    result = _crash_module().run_trials(runs=20, people=4000, seed=3, work=tmp_path)
    assert result["failures"] == [], result
    assert result["outcomes"]["before"] + result["outcomes"]["committed"] == 20


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_ingest_on_postgresql_is_all_or_nothing(tmp_path: Path, pg_cluster) -> None:  # type: ignore[no-untyped-def]
    admin = f"postgresql+psycopg://postgres@127.0.0.1:{pg_cluster.port}/postgres"
    result = _crash_module().run_trials(runs=8, people=4000, seed=5, work=tmp_path, db=admin)
    assert result["failures"] == [], result
    assert result["outcomes"]["before"] + result["outcomes"]["committed"] == 8
