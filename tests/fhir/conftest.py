from __future__ import annotations

from pathlib import Path

import pytest

from tests.fhir.world import build_world
from tests.webapp import AppHarness


@pytest.fixture
def world(tmp_path: Path) -> AppHarness:
    return build_world(f"sqlite:///{tmp_path / 'fhir.db'}", tmp_path)
