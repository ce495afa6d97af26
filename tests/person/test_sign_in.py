"""Card sign-in to the portal: the one way in, and every way it is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.person import service
from kaigo_kiban.person.models import PersonLoginAttempt
from kaigo_kiban.pki import chain
from tests.factories import INSURER_NO
from tests.person.conftest import (
    PERSON_A,
    PERSON_B,
    World,
    actor_of,
    person_card,
    proxy_card,
    sign_in,
)


def _refused(db: Session, settings: Settings, card, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(service.PersonRefused) as excinfo:
        sign_in(db, settings, card, **kwargs)
    return excinfo.value.code


def test_a_person_signs_in_with_their_own_card_and_acts_as_themself(
    db: Session, settings: Settings, world: World
) -> None:
    signed = sign_in(db, settings, person_card(db, settings))
    actor = actor_of(db, settings, signed)
    assert (actor.kind, actor.insurer_no, actor.insured_no) == ("person", INSURER_NO, PERSON_A)
    assert actor.proxy_for is None and actor.display_name == "試験 一郎"
    resolved = accounts.resolve_person_session(db, settings, signed.secret)
    assert resolved is not None and resolved.id == signed.session.id
    outcomes = db.scalars(select(PersonLoginAttempt.reason)).all()
    assert outcomes == ["SIGNED_IN"]


def test_a_card_linked_to_nobody_is_refused(db: Session, settings: Settings, world: World) -> None:
    assert _refused(db, settings, proxy_card(settings)) == "PERSON-CARD-NOT-LINKED"
    assert db.scalars(select(PersonLoginAttempt.outcome)).all() == ["refused"]


def test_the_wrong_persons_data_is_denied_after_sign_in(
    db: Session, settings: Settings, world: World
) -> None:
    actor = actor_of(db, settings, sign_in(db, settings, person_card(db, settings)))
    with pytest.raises(AccessDenied) as excinfo:
        access.open_kind(db, settings, actor, INSURER_NO, PERSON_B, "insurance_card")
    assert excinfo.value.code == "ACCESS-NOT-SELF"


def test_a_revoked_card_is_refused(db: Session, settings: Settings, world: World) -> None:
    card = person_card(db, settings)
    demo_cards.revoke_demo_card(settings, card.certificate.serial_number)
    assert _refused(db, settings, card) == "IDV-CERT-REVOKED"


def test_a_signature_over_other_text_is_refused(
    db: Session, settings: Settings, world: World
) -> None:
    card = person_card(db, settings)
    assert _refused(db, settings, card, text="kkmy1.something-else") == "IDV-SIGNATURE-INVALID"


def test_a_challenge_is_used_once(db: Session, settings: Settings, world: World) -> None:
    card = person_card(db, settings)
    challenge = service.issue_challenge(db)
    answer = {
        "challenge_id": challenge.challenge_id,
        "certificate_pem": chain.certificate_pem(card.certificate),
        "signature": identity.sign_challenge(card.key, challenge.challenge),
    }
    service.sign_in_with_card(db, settings, **answer)
    with pytest.raises(service.PersonRefused) as excinfo:
        service.sign_in_with_card(db, settings, **answer)
    assert excinfo.value.code == "PERSON-CHALLENGE-USED"


def test_a_card_from_a_ca_not_installed_is_refused_in_demo_mode_or_not(
    db: Session, settings: Settings, world: World
) -> None:
    """Trust comes from the card trust directory only: the demo card CA, not installed there,
    is refused whatever the demo flag says."""
    card = demo_cards.issue_demo_card(db, settings, INSURER_NO, PERSON_A, trust=False)
    production = settings.model_copy(update={"demo_mode": False})
    assert settings.demo_mode
    for current in (settings, production):
        challenge = service.issue_challenge(db)
        with pytest.raises(service.PersonRefused) as excinfo:
            service.sign_in_with_card(
                db,
                current,
                challenge_id=challenge.challenge_id,
                certificate_pem=chain.certificate_pem(card.certificate),
                signature=identity.sign_challenge(card.key, challenge.challenge),
            )
        assert excinfo.value.code == "IDV-CERT-UNTRUSTED"


def test_an_idle_session_is_signed_out(db: Session, settings: Settings, world: World) -> None:
    import datetime as dt

    signed = sign_in(db, settings, person_card(db, settings))
    later = signed.session.last_used_at + dt.timedelta(minutes=settings.session_idle_minutes + 1)
    assert accounts.resolve_person_session(db, settings, signed.secret, now=later) is None
