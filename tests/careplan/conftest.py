"""Fixtures of the care-plan exchange tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.core.settings import Settings
from tests.careplan.exchange_world import World, make_world


@pytest.fixture
def world(db: Session, settings: Settings, tmp_path: Path) -> World:
    return make_world(db, settings, tmp_path)
