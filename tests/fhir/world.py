"""A municipality with one synthetic person: two 被保険者証 (履歴番号 1, 2), two 負担割合証,
consent, and an assignment of the care-management office "cm" (tests/webapp.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.pki import service as pki
from kaigo_kiban.registry.models import Organization
from tests.factories import (
    INSURER_NO,
    actor_for,
    copay_card_row,
    ingest,
    install_card_trust,
    insurance_card_row,
    write_card_file,
)
from tests.webapp import AppHarness, build_app

INSURED_NO = "0000000001"
PATIENT_ID = f"{INSURER_NO}-{INSURED_NO}"
INSURED_SYSTEM = f"https://kaigo-kiban.example/fhir/sid/insured-no/{INSURER_NO}"


def seed(harness: AppHarness, tmp: Path) -> None:
    """Cards through the real intake, then consent and an assignment for "cm"."""
    settings = harness.settings
    files = tmp / "files"
    files.mkdir(exist_ok=True)
    with unit_of_work(harness.sessions()) as db:
        ingest(
            db,
            write_card_file(
                files,
                "insurance_card",
                [
                    insurance_card_row(INSURED_NO),
                    insurance_card_row(
                        INSURED_NO,
                        history_no="2",
                        change_kind="2",
                        valid_from="20250401",
                        care_level="22",
                        cert_valid_from="20250401",
                        cert_valid_to="20270331",
                        benefit_limit_units="19705",
                    ),
                ],
            ),
            settings,
        )
        ingest(
            db,
            write_card_file(
                files,
                "copay_card",
                [
                    copay_card_row(INSURED_NO),
                    copay_card_row(
                        INSURED_NO,
                        history_no="2",
                        ratio="2",
                        valid_from="20250801",
                        valid_to="20260731",
                    ),
                ],
            ),
            settings,
        )
        access.record_consent(
            db, INSURER_NO, INSURED_NO, "MUNICIPALITY_APPLICATION", dt.date(2024, 4, 1), "t"
        )
        cm_org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        access.register_assignment(
            db,
            actor_for(cm_org, "care_manager", service_types=("43",)),
            INSURER_NO,
            INSURED_NO,
            "43",
            "MYNUMBER_CARD",
        )


def build_world(database_url: str, tmp: Path) -> AppHarness:
    harness = build_app(database_url, tmp)
    seed(harness, tmp)
    return harness


def person_card(harness: AppHarness, tmp: Path) -> pki.IssuedCertificate:
    """The person's card, from a card CA installed as a real deployment's trust anchor (not
    the demo card CA: the world runs outside demo mode)."""
    ca_dir = tmp / "jlis-ca"
    with unit_of_work(harness.sessions()) as db:
        card = demo_cards.issue_demo_card(
            db, harness.settings, INSURER_NO, INSURED_NO, ca_dir=ca_dir
        )
    install_card_trust(harness.settings, ca_dir)
    return card
