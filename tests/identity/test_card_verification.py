"""My Number card challenge/response: every refusal path, and the one way to succeed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.access.models import Assignment
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service
from kaigo_kiban.identity.models import IdentityChallenge, VerificationAttempt
from kaigo_kiban.identity.rules import IdentityRefused, challenge_digest
from kaigo_kiban.pki import chain
from kaigo_kiban.pki import service as pki
from tests.identity.conftest import INSURER_NO, PERSON_A, PERSON_B, World


def _card(db: Session, settings: Settings, insured_no: str = PERSON_A, **kwargs: object):
    issued = demo_cards.issue_demo_card(db, settings, INSURER_NO, insured_no, **kwargs)  # type: ignore[arg-type]
    return issued.key, chain.certificate_pem(issued.certificate), issued


def _verify(
    db: Session,
    settings: Settings,
    world: World,
    challenge_id: str,
    cert: str,
    signature: str,
    **kwargs: object,
) -> Assignment:
    return service.verify_card(
        db,
        settings,
        world.office,
        challenge_id=challenge_id,
        certificate_pem=cert,
        signature=signature,
        service_type="43",
        **kwargs,  # type: ignore[arg-type]
    )


def _answer(
    db: Session,
    settings: Settings,
    world: World,
    key: object,
    cert: str,
    challenge: service.IssuedChallenge,
    **kwargs: object,
) -> Assignment:
    """Answer ``challenge`` with the card's signature over it."""
    signature = service.sign_challenge(key, challenge.challenge)  # type: ignore[arg-type]
    return _verify(db, settings, world, challenge.challenge_id, cert, signature, **kwargs)


def _refusal(excinfo: pytest.ExceptionInfo[IdentityRefused]) -> str:
    return excinfo.value.code


def _refused(
    db: Session,
    settings: Settings,
    world: World,
    key: object,
    cert: str,
    *,
    signed: str | None = None,
    **kwargs: object,
) -> IdentityRefused:
    """Sign a new challenge for person A (or the text ``signed``) and expect a refusal."""
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)
    signature = service.sign_challenge(key, signed or challenge.challenge)  # type: ignore[arg-type]
    with pytest.raises(IdentityRefused) as excinfo:
        _verify(db, settings, world, challenge.challenge_id, cert, signature, **kwargs)
    return excinfo.value


def _attempts(db: Session) -> list[tuple[str, str]]:
    rows = db.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id)).all()
    return [(a.outcome, a.reason) for a in rows]


def test_signed_challenge_registers_the_office_as_assigned_by_card(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)

    assignment = _answer(db, settings, world, key, cert, challenge)

    assert (assignment.insured_no, assignment.verified_by, assignment.office_no) == (
        PERSON_A,
        "MYNUMBER_CARD",
        "1310100001",
    )
    assert _attempts(db) == [("verified", "VERIFIED")]
    stored = db.scalar(select(IdentityChallenge))
    assert stored is not None and stored.consumed_at is not None
    assert (
        stored.digest == challenge_digest(challenge.challenge).hex()
    )  # kept hashed, never as text
    assert challenge.challenge not in stored.digest


def test_replayed_challenge_is_refused_and_registers_nothing_more(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)
    signature = service.sign_challenge(key, challenge.challenge)
    _verify(db, settings, world, challenge.challenge_id, cert, signature)

    with pytest.raises(IdentityRefused) as excinfo:
        _verify(db, settings, world, challenge.challenge_id, cert, signature)

    assert _refusal(excinfo) == "IDV-CHALLENGE-USED"
    assert db.scalar(select(func.count()).select_from(Assignment)) == 1


def test_failed_attempt_uses_up_the_challenge(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)
    with pytest.raises(IdentityRefused):
        _verify(db, settings, world, challenge.challenge_id, cert, "AAAA")

    with pytest.raises(IdentityRefused) as excinfo:
        _answer(db, settings, world, key, cert, challenge)

    assert _refusal(excinfo) == "IDV-CHALLENGE-USED"
    assert _attempts(db) == [
        ("refused", "IDV-SIGNATURE-INVALID"),
        ("refused", "IDV-CHALLENGE-USED"),
    ]


def test_signature_over_another_challenge_is_refused(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    other = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)

    assert (
        _refused(db, settings, world, key, cert, signed=other.challenge).code
        == "IDV-SIGNATURE-INVALID"
    )
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


def test_challenge_expires_after_five_minutes(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    issued_at = utcnow()
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A, now=issued_at)

    with pytest.raises(IdentityRefused) as excinfo:
        _answer(
            db,
            settings,
            world,
            key,
            cert,
            challenge,
            now=issued_at + dt.timedelta(minutes=5, seconds=1),
        )

    assert _refusal(excinfo) == "IDV-CHALLENGE-EXPIRED"


def test_another_offices_challenge_is_not_found_and_stays_usable(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    challenge = service.issue_challenge(db, world.other_office, INSURER_NO, PERSON_A)
    signature = service.sign_challenge(key, challenge.challenge)

    with pytest.raises(NotFound) as excinfo:
        _verify(db, settings, world, challenge.challenge_id, cert, signature)
    assert excinfo.value.code == "IDV-CHALLENGE-NOT-FOUND"

    assignment = service.verify_card(
        db,
        settings,
        world.other_office,
        challenge_id=challenge.challenge_id,
        certificate_pem=cert,
        signature=signature,
        service_type="11",
    )
    assert assignment.office_no == "1310100002"


def test_expired_card_certificate_is_refused(db: Session, settings: Settings, world: World) -> None:
    now = utcnow()
    key, cert, _ = _card(
        db, settings, not_before=now - dt.timedelta(days=800), not_after=now - dt.timedelta(days=1)
    )

    assert _refused(db, settings, world, key, cert).code == "IDV-CERT-EXPIRED"


def test_revoked_card_certificate_is_refused(db: Session, settings: Settings, world: World) -> None:
    key, cert, issued = _card(db, settings)
    demo_cards.revoke_demo_card(settings, issued.certificate.serial_number)

    refusal = _refused(db, settings, world, key, cert)

    assert refusal.code == "IDV-CERT-REVOKED"
    assert "失効" in refusal.message


def test_card_from_an_untrusted_ca_is_refused_even_when_linked(
    db: Session, settings: Settings, world: World, tmp_path
) -> None:
    rogue = pki.init_ca(tmp_path / "rogue", common_name=demo_cards.DEMO_CARD_CA_NAME)
    issued = pki.issue(
        rogue, "card", ou="card", common_name="利用者証明用電子証明書 (デモ)", years=5
    )
    service.link_card(db, INSURER_NO, PERSON_A, issued.certificate, rogue.certificate)
    _card(db, settings, PERSON_B)  # the genuine demo card CA exists and is trusted

    refusal = _refused(db, settings, world, issued.key, chain.certificate_pem(issued.certificate))

    assert refusal.code == "IDV-CERT-UNTRUSTED"


def test_card_linked_to_another_person_is_refused(
    db: Session, settings: Settings, world: World
) -> None:
    key_b, cert_b, _ = _card(db, settings, PERSON_B)

    assert _refused(db, settings, world, key_b, cert_b).code == "IDV-CARD-NOT-LINKED"
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0
    attempt = db.scalar(select(VerificationAttempt))
    assert attempt is not None
    assert (attempt.insured_no, attempt.reason) == (PERSON_A, "IDV-CARD-NOT-LINKED")


def test_missing_crl_fails_closed(db: Session, settings: Settings, world: World) -> None:
    key, cert, _ = _card(db, settings)
    (service.card_trust_dir(settings) / "card-ca.crl").unlink()  # the installed CRL

    assert _refused(db, settings, world, key, cert).code == "IDV-CRL-UNAVAILABLE"


def test_a_card_ca_is_trusted_only_when_installed_in_demo_mode_or_not(
    db: Session, settings: Settings, world: World
) -> None:
    """No trust decision looks at the demo flag: the demo card CA, not installed, is refused
    in demo mode as outside it; installed in the trust directory, it is trusted in both."""
    key, cert, _ = _card(db, settings, trust=False)
    production = settings.model_copy(update={"demo_mode": False})
    assert settings.demo_mode
    assert _refused(db, settings, world, key, cert).code == "IDV-CERT-UNTRUSTED"
    assert _refused(db, production, world, key, cert).code == "IDV-CERT-UNTRUSTED"

    demo_cards.install_trust(production, demo_cards.card_ca(settings, trust=False))
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)
    signature = service.sign_challenge(key, challenge.challenge)
    assert (
        _verify(db, production, world, challenge.challenge_id, cert, signature).verified_by
        == "MYNUMBER_CARD"
    )


def test_service_type_must_be_one_the_office_provides(
    db: Session, settings: Settings, world: World
) -> None:
    key, cert, _ = _card(db, settings)
    challenge = service.issue_challenge(db, world.office, INSURER_NO, PERSON_A)

    with pytest.raises(IdentityRefused) as excinfo:
        service.verify_card(
            db,
            settings,
            world.office,
            challenge_id=challenge.challenge_id,
            certificate_pem=cert,
            signature=service.sign_challenge(key, challenge.challenge),
            service_type="11",
        )

    assert _refusal(excinfo) == "IDV-SERVICE-TYPE"
    # an input mistake does not burn the challenge
    assert _answer(db, settings, world, key, cert, challenge)


def test_only_office_staff_may_verify(db: Session, world: World) -> None:
    with pytest.raises(PermissionDenied) as excinfo:
        service.issue_challenge(db, world.municipality, INSURER_NO, PERSON_A)
    assert excinfo.value.code == "IDV-OFFICE-ONLY"


def test_challenge_for_an_unknown_person_is_refused(db: Session, world: World) -> None:
    with pytest.raises(NotFound) as excinfo:
        service.issue_challenge(db, world.office, INSURER_NO, "0000009999")
    assert excinfo.value.code == "IDV-PERSON-NOT-FOUND"
