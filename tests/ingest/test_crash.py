"""SIGKILL at random points of an ingest never leaves a partial file (20 runs; bench/crash.py
--runs 200 is the long version)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "crash.py"


@pytest.mark.slow
def test_killed_ingest_leaves_before_or_committed_and_rerun_commits(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("crash_bench", BENCH)
    assert spec and spec.loader
    crash = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(crash)
    result = crash.run_trials(runs=20, people=4000, seed=3, work=tmp_path)
    assert result["failures"] == [], result
    assert result["outcomes"]["before"] + result["outcomes"]["committed"] == 20
