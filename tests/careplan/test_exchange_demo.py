"""The demo seed: the care-management office sends a 第6表 for two shared persons, one over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.app.demo import careplan as careplan_demo
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan import mailbox
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry import service as registry
from tests.factories import (
    INSURER_NO,
    actor_for,
    ingest,
    insurance_card_row,
    make_org,
    write_card_file,
)


def test_seed_demo_sends_one_plan_for_two_shared_persons_one_over_the_limit(
    db: Session, settings: Settings, tmp_path: Path
):
    registry.upsert_insurer(db, INSURER_NO, "みなと架空市", area_grade="03")
    cm = make_org(db, "office", "1470000011", "架空ケアプランセンターみなと", ("43",))
    helper = make_org(db, "office", "1470000029", "架空ヘルパーステーションあおば", ("11",))
    people = ["0000000101", "0000000102", "0000000103"]
    rows = [
        insurance_card_row(p, care_level="22", cert_valid_to="20991231", valid_from="20240401")
        for p in people
    ]
    assert ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings).status == (
        "committed"
    )
    cm_actor = actor_for(cm, "care_manager", service_types=("43",))
    helper_actor = actor_for(helper, "care_worker", service_types=("11",))
    for p in people:
        access.record_consent(
            db, INSURER_NO, p, "MUNICIPALITY_APPLICATION", dt.date(2024, 4, 1), "t"
        )
        access.register_assignment(db, cm_actor, INSURER_NO, p, "43", "MYNUMBER_CARD")
    for p in people[1:]:
        access.register_assignment(db, helper_actor, INSURER_NO, p, "11", "MYNUMBER_CARD")

    counts = careplan_demo.seed_demo(db, settings, {"1470000011": cm, "1470000029": helper})

    assert counts == {"careplan_transfers": 1, "careplan_over_limit": 1}
    [view] = mailbox.list_mailbox(db, settings, helper_actor, "received")
    assert view.accessible and view.transfer.record_type == "UPPLAN"
    assert view.transfer.target_month == today_jst().strftime("%Y%m")
    assert {p.insured_no for p in view.persons} == set(people[1:])
    assert [p.insured_no for p in view.over_limit] == [people[2]]
    assert view.transfer.state == ex.ACTIVE
