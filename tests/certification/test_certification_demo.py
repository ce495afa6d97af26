"""The demo cases: every state, several overdue, requests and an opinion for the demo clinic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kaigo_kiban.app.demo import builder as demo
from kaigo_kiban.certification.cases.service import load_cases
from kaigo_kiban.certification.opinions.models import OpinionRequest, PhysicianOpinion
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings


def test_seed_demo_creates_cases_in_every_state_with_requests_and_an_opinion(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path, demo_mode=True
    )
    engine = make_engine(settings)
    migrate(engine)
    factory = make_session_factory(engine)
    counts = demo.seed(factory, settings, people=120)  # the demo calls service.seed_demo
    assert counts["cases"] == 30 and counts["overdue"] >= 3
    with unit_of_work(factory) as db:
        cases = load_cases(db, "149993").values()
        states = {c.progress().state.value for c in cases}
        requests = db.scalars(select(OpinionRequest.status)).all()
        opinions = db.scalars(select(PhysicianOpinion.status)).all()
    assert {"APPLIED", "PANEL_SCHEDULED", "PANEL_DONE", "CERTIFIED", "NOT_ELIGIBLE"} <= states
    assert {"WITHDRAWN", "REJECTED"} <= states
    assert sorted(requests) == ["open", "open", "submitted"]
    assert opinions == ["submitted"]
    engine.dispose()
