"""The capability the gate returns: it cannot be forged, and readers refuse a kind it does not
carry (the gate's decisions themselves are tested in test_policy_matrix.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.audit import service as audit
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.grants import Decision, Grant, KindNotGranted
from kaigo_kiban.core.settings import Settings
from tests.factories import (
    INSURER_NO,
    actor_for,
    grant_for,
    make_insurer,
    make_org,
    make_person,
)


def test_a_grant_cannot_be_made_outside_the_gate() -> None:
    with pytest.raises(TypeError):
        Grant(INSURER_NO, "0000000001", "read", {"insurance_card": Decision(True, "X", "")})
    with pytest.raises(TypeError):
        Grant(
            INSURER_NO,
            "0000000001",
            "read",
            {"insurance_card": Decision(True, "X", "")},
            seal=object(),
        )


def test_readers_refuse_a_kind_the_grant_does_not_carry(db: Session) -> None:
    grant = grant_for(INSURER_NO, "0000000001", "copay_card")
    with pytest.raises(KindNotGranted):
        cards.find_card_valid_on(db, grant, "insurance_card", dt.date(2026, 4, 1))
    with pytest.raises(KindNotGranted):
        cards.list_card_history(db, grant, "insurance_card")
    with pytest.raises(KindNotGranted):
        audit.list_person_events(db, grant)
    with pytest.raises(KindNotGranted):
        access.consents_of(db, grant)
    assert cards.find_card_valid_on(db, grant, "copay_card", dt.date(2026, 4, 1)) is None


def test_a_grant_to_read_does_not_let_a_writer_write() -> None:
    grant = grant_for(INSURER_NO, "0000000001", "consent")
    grant.require("consent")
    grant.require("consent", "read")
    with pytest.raises(KindNotGranted):
        grant.require("consent", "write")


def test_the_gate_grants_only_what_it_allowed(db: Session, settings: Settings) -> None:
    """A municipality of another insurer gets a grant that carries nothing, with the reasons."""
    make_insurer(db)
    make_insurer(db, "271004", "大阪市")
    make_person(db, "0000000001")
    other_city = make_org(db, "municipality", "271004", insurer_no="271004")
    grant = access.open_person(
        db,
        settings,
        actor_for(other_city, "municipal_staff"),
        INSURER_NO,
        "0000000001",
        ["insurance_card", "copay_card"],
    )
    assert grant.kinds == frozenset()
    assert {k: d.reason for k, d in grant.refused.items()} == {
        "insurance_card": "OTHER-INSURER",
        "copay_card": "OTHER-INSURER",
    }
    with pytest.raises(KindNotGranted):
        cards.find_card_valid_on(db, grant, "insurance_card", dt.date(2026, 4, 1))
    with pytest.raises(access.AccessDenied):
        access.open_kind(
            db,
            settings,
            actor_for(other_city, "municipal_staff"),
            INSURER_NO,
            "0000000001",
            "insurance_card",
        )
