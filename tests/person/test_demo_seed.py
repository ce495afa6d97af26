"""The portal's demo data on top of the demo seed: cards, a proxy, usage and LIFE trends."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from kaigo_kiban.access.models import ProxyGrant
from kaigo_kiban.app.demo import builder as demo
from kaigo_kiban.benefits.models import HomeModification
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life.models import LifeAssessment


def test_the_demo_seeds_cards_a_proxy_usage_and_life(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path, demo_mode=True
    )
    engine = make_engine(settings)
    migrate(engine)
    factory = make_session_factory(engine)
    # The demo calls person_demo / benefits_demo / life_demo.seed_demo itself.
    counts = demo.seed(factory, settings, people=150)
    people = {k: counts[k] for k in ("demo_cards", "demo_proxies")}
    usage, life = counts, counts
    assert people == {"demo_cards": 6, "demo_proxies": 1}
    index = json.loads((tmp_path / "demo-cards" / "index.json").read_text("utf-8"))
    persons = [e["insured_no"] for e in index if e["kind"] == "person"]
    assert len(persons) == 5 and index[-1]["kind"] == "proxy"
    assert all((tmp_path / "demo-cards" / e["file"]).stat().st_mode & 0o077 == 0 for e in index)
    assert usage["home_modification"] == 3 and usage["equipment_purchase"] == 4
    assert life["life_persons"] >= 20 and life["life_assessments"] == life["life_persons"] * 6
    with unit_of_work(factory) as db:
        assert db.scalar(select(func.count()).select_from(ProxyGrant)) == 1
        flagged = db.scalars(select(HomeModification).where(HomeModification.exceeds)).all()
        assert [h.insured_no for h in flagged] == [persons[0]]
        assert (
            db.scalar(select(func.count()).select_from(LifeAssessment)) == life["life_assessments"]
        )
    engine.dispose()
