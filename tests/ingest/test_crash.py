"""SIGKILL at random points of an ingest never leaves a partial file (20 runs on SQLite;
``bench/crash.py --runs 200 [--db postgresql+psycopg://…]`` is the long version).

The PostgreSQL variant is not in the suite: in CI-like runs it failed once in 8 kills in two of
four runs ("rerun-did-not-commit", see the closing note); it stays a bench until understood."""

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
