"""The audit log is a hash chain: any edit, deletion or reordering with raw SQL is found."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from kaigo_kiban.access import service as access
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings
from tests.factories import INSURER_NO, actor_for, make_insurer, make_org, make_person


def _seed(url: str) -> None:
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    migrate(engine)
    with unit_of_work(make_session_factory(engine)) as db:
        make_insurer(db)
        city = make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO)
        for i in range(1, 6):
            make_person(db, f"000000000{i}")
            access.open_kind(
                db,
                settings,
                actor_for(city, "municipal_staff"),
                INSURER_NO,
                f"000000000{i}",
                "insurance_card",
            )
    engine.dispose()


def _verify(url: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "kaigo_kiban.app.cli", "--db", url, "audit", "verify", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


TAMPERING = {
    "edit": "UPDATE audit_event SET insured_no = '0000000009' WHERE seq = 3",
    "delete-middle": "DELETE FROM audit_event WHERE seq = 2",
    "delete-tail": "DELETE FROM audit_event WHERE seq = 5",
    "reorder": "UPDATE audit_event SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE seq END WHERE seq IN (2, 3)",
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_names_the_first_bad_event_after_raw_sql_tampering(tmp_path, how: str) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    _seed(url)
    code, report = _verify(url)
    assert (code, report["ok"], report["events"]) == (0, True, 5)
    raw = create_engine(url)
    with raw.begin() as conn:
        if how == "reorder":
            conn.execute(text("DROP INDEX ix_audit_event_chain_seq"))
        conn.execute(text(TAMPERING[how]))
    raw.dispose()
    code, report = _verify(url)
    assert code == 1 and not report["ok"]
    problem = report["problems"][0]
    expected_seq = {"edit": 3, "delete-middle": 3, "delete-tail": 5, "reorder": 2}[how]
    assert problem["seq"] == expected_seq, problem
