"""The gate against an independent reading of the policy table, for every combination."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from importlib import resources

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import Assignment
from kaigo_kiban.access.rules import DATA_KINDS
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.settings import Settings
from tests.factories import INSURER_NO, actor_for, make_insurer, make_org, make_person

OFFICE_GROUPS = {"care_mgmt": ("43",), "facility": ("54",), "home_service": ("11",)}
JOBS = ("care_manager", "care_worker", "clerk", "physician")
ASSIGNMENTS = ("none", "active", "lapsed", "ended")
CONSENTS = ("given", "withdrawn", "absent")


def _oracle_table() -> dict[tuple[str, str], str]:
    text = resources.files("kaigo_kiban.access").joinpath("data/policy.csv").read_text("utf-8")
    return {
        (r["data_kind"], r["actor_group"]): r["job_types"] if r["allow"] == "yes" else ""
        for r in csv.DictReader(text.splitlines())
    }


def _expected(kind: str, group: str, job: str, assignment: str, consent: str) -> bool:
    jobs = _oracle_table().get((kind, group), "")
    policy = jobs == "*" or job in jobs.split()
    return policy and consent == "given" and assignment == "active"


def _months_ago(n: int) -> str:
    day = today_jst()
    month = day.year * 12 + day.month - 1 - n
    return f"{month // 12:04d}{month % 12 + 1:02d}"


def _setup_person(
    db: Session, org_id: int, office_no: str, insured_no: str, assignment: str, consent: str
) -> None:
    make_person(db, insured_no)
    if consent != "absent":
        c = access.record_consent(
            db, INSURER_NO, insured_no, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "test"
        )
        if consent == "withdrawn":
            c.withdrawn_at = utcnow()
    if assignment != "none":
        db.add(
            Assignment(
                insurer_no=INSURER_NO,
                insured_no=insured_no,
                organization_id=org_id,
                office_no=office_no,
                service_type="43",
                verified_by="MYNUMBER_CARD",
                verified_at=utcnow(),
                last_evidence_month=_months_ago(6 if assignment == "lapsed" else 0),
                ended_at=utcnow() if assignment == "ended" else None,
            )
        )
    db.flush()


@pytest.mark.parametrize("group", sorted(OFFICE_GROUPS))
def test_every_office_decision_matches_the_policy_table_and_is_audited_once(
    db: Session, settings: Settings, group: str
) -> None:
    make_insurer(db)
    office_no = {"care_mgmt": "1310000011", "facility": "1310000029", "home_service": "1310000037"}[
        group
    ]
    org = make_org(db, "office", office_no, service_types=OFFICE_GROUPS[group])
    people = {}
    for i, (assignment, consent) in enumerate(itertools.product(ASSIGNMENTS, CONSENTS)):
        insured_no = f"90000000{i:02d}"
        _setup_person(db, org.id, office_no, insured_no, assignment, consent)
        people[(assignment, consent)] = insured_no
    mismatches = []
    for kind, job, (state, insured_no) in itertools.product(DATA_KINDS, JOBS, people.items()):
        actor = actor_for(org, job, service_types=OFFICE_GROUPS[group])
        before = db.scalar(select(func.count()).select_from(AuditEvent))
        decision = access.open_person(db, settings, actor, INSURER_NO, insured_no, [kind]).decision(
            kind
        )
        after = db.scalar(select(func.count()).select_from(AuditEvent))
        expected = _expected(kind, group, job, *state)
        if decision.allowed != expected or after - before != 1:
            mismatches.append((kind, job, state, decision, after - before))
    assert mismatches == []


def test_municipality_sees_only_its_own_insurer(db: Session, settings: Settings) -> None:
    make_insurer(db)
    make_insurer(db, "271004", "大阪市")
    make_person(db, "0000000001")
    make_person(db, "0000000002", insurer_no="271004")
    city = make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO)
    actor = actor_for(city, "municipal_staff")
    assert access.open_kind(db, settings, actor, INSURER_NO, "0000000001", "insurance_card").allows(
        "insurance_card"
    )
    denied = access.open_person(
        db, settings, actor, "271004", "0000000002", ["insurance_card"]
    ).decision("insurance_card")
    assert (denied.allowed, denied.reason) == (False, "OTHER-INSURER")


def test_operator_never_reads_personal_data(db: Session, settings: Settings) -> None:
    make_insurer(db)
    make_person(db, "0000000001")
    ops = make_org(db, "operator", "OP0001")
    for kind in DATA_KINDS:
        d = access.open_person(
            db, settings, actor_for(ops, "operator"), INSURER_NO, "0000000001", [kind]
        ).decision(kind)
        assert (d.allowed, d.reason) == (False, "OPERATOR")


def test_guessing_a_number_of_a_person_not_assigned_is_denied_and_audited(
    db: Session, settings: Settings
) -> None:
    make_insurer(db)
    org = make_org(db, "office", "1310000011", service_types=("43",))
    for n in ("0000000001", "0000000002", "0000000099"):
        d = access.open_person(
            db,
            settings,
            actor_for(org, "care_manager", service_types=("43",)),
            INSURER_NO,
            n,
            ["insurance_card"],
        ).decision("insurance_card")
        assert not d.allowed
    outcomes = db.scalars(select(AuditEvent.outcome)).all()
    assert outcomes == ["denied"] * 3


def test_audit_failure_means_no_data(db: Session, settings: Settings) -> None:
    from kaigo_kiban.audit.service import AuditWriteFailed
    from kaigo_kiban.cards import service as cards

    make_insurer(db)
    make_person(db, "0000000001")
    city = make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO)
    failing = settings.model_copy(update={"audit_fail_for_test": True})
    with pytest.raises(AuditWriteFailed):
        cards.read_cards(
            db, failing, actor_for(city, "municipal_staff"), INSURER_NO, "0000000001", today_jst()
        )


@pytest.mark.parametrize("group", ["municipality", "person", "medical"])
def test_non_office_groups_match_the_policy_table_for_every_kind(
    db: Session, settings: Settings, group: str
) -> None:
    from kaigo_kiban.accounts.rules import Actor

    make_insurer(db)
    make_insurer(db, "271004", "大阪市")
    make_person(db, "0000000001")
    make_person(db, "0000000002", insurer_no="271004")
    access.record_consent(
        db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    if group == "municipality":
        org = make_org(db, "municipality", INSURER_NO, insurer_no=INSURER_NO)
        actors = {job: actor_for(org, job) for job in ("municipal_staff", "clerk")}
        own, other = (INSURER_NO, "0000000001"), ("271004", "0000000002")
    elif group == "person":
        actors = {
            "-": Actor(
                kind="person", display_name="本人", insurer_no=INSURER_NO, insured_no="0000000001"
            )
        }
        own, other = (INSURER_NO, "0000000001"), ("271004", "0000000002")
    else:
        org = make_org(db, "medical", "1310000099")
        actors = {job: actor_for(org, job) for job in ("physician", "medical_clerk", "clerk")}
        own, other = (INSURER_NO, "0000000001"), ("271004", "0000000002")
    table = _oracle_table()
    mismatches = []
    for kind, (job, actor), (person, relation) in itertools.product(
        DATA_KINDS, actors.items(), ((own, "own"), (other, "other"))
    ):
        jobs = table.get((kind, group), "")
        policy = jobs == "*" or job in jobs.split()
        # municipality: own insurer only; person: self only; medical: needs an opinion request
        expected = policy and relation == "own" and group != "medical"
        before = db.scalar(select(func.count()).select_from(AuditEvent))
        d = access.open_person(db, settings, actor, person[0], person[1], [kind]).decision(kind)
        after = db.scalar(select(func.count()).select_from(AuditEvent))
        if d.allowed != expected or after - before != 1:
            mismatches.append((kind, job, relation, d, after - before))
    assert mismatches == []
