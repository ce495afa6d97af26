"""Person-portal fixtures: an insurer, two insured persons, a care office assigned to the
first with consent, demo cards, and helpers to sign in with a card (all synthetic)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.actors import actor_for_person_session
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.person import service
from kaigo_kiban.pki import chain
from kaigo_kiban.pki import service as pki
from tests.factories import INSURER_NO, actor_for, make_insurer, make_org, make_person

PERSON_A = "0000000101"
PERSON_B = "0000000102"


@dataclass
class World:
    office: Actor
    municipality: Actor


@pytest.fixture
def world(db: Session) -> World:
    make_insurer(db)
    make_person(db, PERSON_A, name_kanji="試験 一郎", name_kana="シケン イチロウ")
    make_person(db, PERSON_B, name_kanji="試験 二郎", name_kana="シケン ジロウ")
    office = make_org(db, "office", "1310000011", "試験居宅介護支援", ("43",))
    town = make_org(db, "municipality", INSURER_NO, "千代田区 介護保険課", insurer_no=INSURER_NO)
    cm = actor_for(office, "care_manager", service_types=("43",))
    access.record_consent(
        db, INSURER_NO, PERSON_A, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
    )
    access.register_assignment(db, cm, INSURER_NO, PERSON_A, "43", "MYNUMBER_CARD")
    return World(cm, actor_for(town, "municipal_staff"))


def person_card(
    db: Session, settings: Settings, insured_no: str = PERSON_A
) -> pki.IssuedCertificate:
    return demo_cards.issue_demo_card(db, settings, INSURER_NO, insured_no)


def proxy_card(settings: Settings, name: str = "試験 花子") -> pki.IssuedCertificate:
    return demo_cards.issue_proxy_card(settings, name)


def sign_in(
    db: Session,
    settings: Settings,
    card: pki.IssuedCertificate,
    *,
    invite: str = "",
    text: str | None = None,
) -> service.SignedIn:
    challenge = service.issue_challenge(db)
    signature = identity.sign_challenge(card.key, text or challenge.challenge)
    return service.sign_in_with_card(
        db,
        settings,
        challenge_id=challenge.challenge_id,
        certificate_pem=chain.certificate_pem(card.certificate),
        signature=signature,
        invite_code=invite,
    )


def actor_of(db: Session, settings: Settings, signed: service.SignedIn) -> Actor:
    return actor_for_person_session(signed.session, "test")


def form_value(html: str, name: str) -> str:
    """The value of a hidden or read-only input in a page."""
    m = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'id="{name}"[^>]*value="([^"]*)"', html
    )
    assert m, f"no {name} in page"
    return m.group(1)


def csrf(html: str) -> str:
    return form_value(html, "csrf_token")


def web_sign_in(client: Any, card: pki.IssuedCertificate, *, invite: str = "") -> Any:
    """Sign in through the pages: take the challenge shown, sign it with the card, post."""
    page = client.get("/my/login")
    assert page.status_code == 200
    challenge = form_value(page.text, "challenge")
    return client.post(
        "/my/login",
        data={
            "challenge_id": form_value(page.text, "challenge_id"),
            "certificate": chain.certificate_pem(card.certificate),
            "signature": identity.sign_challenge(card.key, challenge),
            "invite_code": invite,
        },
        follow_redirects=False,
    )
