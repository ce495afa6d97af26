"""Seed a demo database: synthetic municipality files through the real intake, organisations,
accounts, consents, assignments, and a few days of lookups (some denied) through the real gate.

Only synthetic people: the files come from ``kaigo_kiban.synth``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo import benefits as benefits_demo
from kaigo_kiban.app.demo import careplan as careplan_demo
from kaigo_kiban.app.demo import certification as demo_certification
from kaigo_kiban.app.demo import helpdesk as helpdesk_demo
from kaigo_kiban.app.demo import life as life_demo
from kaigo_kiban.app.demo import person as person_demo
from kaigo_kiban.app.demo import readiness as readiness_demo
from kaigo_kiban.app.demo import subsidies as subsidies_demo
from kaigo_kiban.app.demo.municipality import open_as_municipality
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.core.ids import municipality_check_digit
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.ingest.service import ingest_file
from kaigo_kiban.notices import service as notices
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import InsuredPerson, OfficeService, Organization
from kaigo_kiban.synth.generator import generate_municipality

DEMO_INSURER = ("149993", "みなと架空市")
DEMO_PASSWORD = "Demo-Pass-2026!"
# Fixed TOTP secrets so a newcomer can add them to an authenticator app (demo only).
DEMO_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Who enters the demo's vendors, FAQ and readiness schedule (no account behind it).
DEMO_OPERATOR = Actor(kind="operator", display_name="デモ", organization_kind="operator")


@dataclass(frozen=True)
class DemoOrg:
    kind: str
    code: str
    name: str
    service_types: tuple[str, ...] = ()
    beds: int | None = None


ORGS = (
    DemoOrg("municipality", DEMO_INSURER[0], f"{DEMO_INSURER[1]} 介護保険課"),
    DemoOrg("office", "1470000011", "架空ケアプランセンターみなと", ("43",)),
    DemoOrg("office", "1470000029", "架空ヘルパーステーションあおば", ("11",)),
    DemoOrg("office", "1470000037", "架空デイサービスひまわり", ("15", "78")),
    DemoOrg("office", "1470000045", "架空特別養護老人ホームさくら", ("54", "21")),
    DemoOrg("medical", "1410000012", "架空みなと内科クリニック", beds=0),
    DemoOrg("operator", "OP0001", "kaigo-kiban 運用チーム"),
)

ACCOUNTS = (
    ("city-tanaka", "1", "田中 市子", "municipal_staff", True),
    ("cm-sato", "1470000011", "佐藤 ケア子", "care_manager", True),
    ("cm-suzuki", "1470000011", "鈴木 事務男", "clerk", False),
    ("hh-takahashi", "1470000029", "高橋 ヘルパ", "care_worker", True),
    ("ds-ito", "1470000037", "伊藤 相談員", "counselor", True),
    ("tokuyo-watanabe", "1470000045", "渡辺 支援子", "care_manager", True),
    ("clinic-yamamoto", "1410000012", "山本 医師", "physician", True),
    ("ops-kobayashi", "OP0001", "小林 運用", "operator", True),
)


def seed(
    factory: sessionmaker[Session], settings: Settings, *, people: int, seed_value: int = 7
) -> dict[str, int]:
    """Build the whole demo; returns a few counts for the console."""
    counts: dict[str, int] = {}
    with unit_of_work(factory) as session:
        registry.upsert_insurer(session, *DEMO_INSURER, area_grade="03")
        code = "14999" + str(municipality_check_digit("14999"))
        registry.add_municipality(session, code, DEMO_INSURER[0], DEMO_INSURER[1], "神奈川県")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate_municipality(
            DEMO_INSURER[0], people, seed_value, out, care_mgmt_offices=["1470000011"]
        )
        for path in sorted(out.glob("*.csv"), key=_kind_order):
            with unit_of_work(factory) as session:
                report = ingest_file(session, path, settings, kinds=KINDS, submitted_by="demo")
                counts[report.kind or path.name] = report.rows
    with unit_of_work(factory) as session:
        orgs = _create_orgs(session)
        for login_id, code, name, job, admin in ACCOUNTS:
            org = orgs["1" if code == "1" else code]
            accounts.create_account(
                session,
                organization_id=org.id,
                login_id=login_id,
                display_name=name,
                job_type=job,
                password=DEMO_PASSWORD,
                totp_secret=DEMO_TOTP,
                is_org_admin=admin,
            )
    with unit_of_work(factory) as session:
        counts.update(_replay_activity(session, settings, orgs_by_code(session), seed_value))
    with unit_of_work(factory) as session:
        counts.update(demo_certification.seed(session, settings, orgs_by_code(session)))
    with unit_of_work(factory) as session:
        counts.update(careplan_demo.seed_demo(session, settings, orgs_by_code(session)))
    with unit_of_work(factory) as session:
        orgs = orgs_by_code(session)
        counts.update(helpdesk_demo.seed_demo(session, DEMO_OPERATOR))
        counts.update(readiness_demo.seed_demo(session, DEMO_OPERATOR, orgs))
        counts.update(subsidies_demo.seed_demo(session, orgs))
    with unit_of_work(factory) as session, tempfile.TemporaryDirectory() as tmp:
        orgs = orgs_by_code(session)
        counts.update(person_demo.seed_demo(session, settings, orgs, Path(tmp)))
        counts.update(benefits_demo.seed_demo(session, settings, orgs, Path(tmp)))
        counts.update(life_demo.seed_demo(session, settings, orgs, Path(tmp)))
    return counts


def _kind_order(path: Path) -> int:
    order = ["insurance_card", "copay_card", "cost_cap_cert", "reduction_cert"]
    for i, kind in enumerate(order):
        if path.name.startswith(kind):
            return i
    return len(order)


def _create_orgs(session: Session) -> dict[str, Organization]:
    created: dict[str, Organization] = {}
    for spec in ORGS:
        org = Organization(
            kind=spec.kind,
            code=spec.code,
            name=spec.name,
            prefecture_code="14",
            insurer_no=spec.code if spec.kind == "municipality" else None,
            beds=spec.beds,
            created_at=utcnow(),
        )
        session.add(org)
        session.flush()
        for st in spec.service_types:
            session.add(OfficeService(organization_id=org.id, service_type=st))
        created["1" if spec.kind == "municipality" else spec.code] = org
    session.flush()
    return created


def orgs_by_code(session: Session) -> dict[str, Organization]:
    return {o.code: o for o in session.scalars(select(Organization))}


def staff_actor(session: Session, org: Organization, login_id: str) -> Actor:
    account = next(a for a in accounts.list_staff(session, org.id) if a.login_id == login_id)
    return Actor(
        kind="staff",
        display_name=account.display_name,
        account_id=account.id,
        **registry.organization_actor_fields(session, org),
        job_type=account.job_type,
        insurer_no=org.insurer_no,
        request_id="demo",
    )


def _replay_activity(
    session: Session, settings: Settings, orgs: dict[str, Organization], seed_value: int
) -> dict[str, int]:
    """Consents, verifications with assignments, and lookups — some of them denied."""
    rng = random.Random(seed_value)
    insurer_no = DEMO_INSURER[0]
    persons = list(
        session.scalars(
            select(InsuredPerson)
            .where(InsuredPerson.insurer_no == insurer_no, InsuredPerson.disqualified_on.is_(None))
            .order_by(InsuredPerson.insured_no)
        )
    )
    certified = [
        p
        for p in persons
        if (
            card := cards.find_card_valid_on(
                session,
                open_as_municipality(session, settings, insurer_no, p.insured_no, "insurance_card"),
                "insurance_card",
                today_jst(),
            )
        )
        and card.care_level in {"12", "13", "21", "22", "23", "24", "25"}
    ]
    for p in persons:
        if rng.random() < 0.9:
            access.record_consent(
                session,
                insurer_no,
                p.insured_no,
                "MUNICIPALITY_APPLICATION",
                today_jst() - dt.timedelta(days=400),
                "demo",
            )
    cm = staff_actor(session, orgs["1470000011"], "cm-sato")
    helper = staff_actor(session, orgs["1470000029"], "hh-takahashi")
    clerk = staff_actor(session, orgs["1470000011"], "cm-suzuki")
    assigned = 0
    lookups = 0
    denied = 0
    for p in certified[:25]:
        access.register_assignment(
            session,
            cm,
            insurer_no,
            p.insured_no,
            "43",
            rng.choice(["MYNUMBER_CARD", "FOUR_ATTRIBUTES"]),
        )
        notices.notify_new_assignment(session, insurer_no, p.insured_no, cm.organization_name or "")
        assigned += 1
    for p in certified[:8]:
        access.register_assignment(session, helper, insurer_no, p.insured_no, "11", "MYNUMBER_CARD")
        notices.notify_new_assignment(
            session, insurer_no, p.insured_no, helper.organization_name or ""
        )
        assigned += 1
    for actor, pool in (
        (cm, certified[:25]),
        (helper, certified[:8]),
        (clerk, certified[:5]),
        (helper, certified[30:34]),
    ):
        for p in pool:
            try:
                cards.read_cards(session, settings, actor, insurer_no, p.insured_no, today_jst())
                lookups += 1
            except PermissionDenied:
                denied += 1  # raised after the denial was audited; nothing else was written
    return {"assignments": assigned, "lookups": lookups, "denied_lookups": denied}
