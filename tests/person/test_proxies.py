"""Proxies (代理人): invitation, scope, revocation and expiry — each refusal audited as the proxy."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies
from kaigo_kiban.access import service as access
from kaigo_kiban.access.models import ProxyGrant
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.person import service
from tests.factories import INSURER_NO
from tests.person.conftest import PERSON_A, World, actor_of, person_card, proxy_card, sign_in


def _grant(
    db: Session, settings: Settings, groups: list[str], days: int = 30
) -> tuple[ProxyGrant, str]:
    person = actor_of(db, settings, sign_in(db, settings, person_card(db, settings)))
    return proxies.grant_proxy(
        db,
        settings,
        person,
        proxy_name="試験 花子",
        relationship="長女",
        groups=groups,
        valid_until=today_jst() + dt.timedelta(days=days),
    )


def _events(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_a_proxy_signs_in_with_the_invitation_and_acts_within_scope_as_the_proxy(
    db: Session, settings: Settings, world: World
) -> None:
    grant, code = _grant(db, settings, ["cards"])
    card = proxy_card(settings)
    signed = sign_in(db, settings, card, invite=code.lower())  # any case, with or without hyphens
    actor = actor_of(db, settings, signed)
    assert (actor.insurer_no, actor.insured_no) == (INSURER_NO, PERSON_A)
    assert actor.proxy_for == f"proxy:{grant.id} 試験 花子"
    access.open_kind(db, settings, actor, INSURER_NO, PERSON_A, "insurance_card")
    allowed = _events(db)[-1]
    assert (allowed.outcome, allowed.reason, allowed.proxy_for) == (
        "allowed",
        "PROXY",
        actor.proxy_for,
    )
    assert allowed.actor_name.startswith("試験 花子")
    with pytest.raises(AccessDenied) as excinfo:  # the one gate decides a proxy's scope
        access.open_kind(db, settings, actor, INSURER_NO, PERSON_A, "life")
    assert excinfo.value.code == "ACCESS-PROXY-SCOPE"
    denied = _events(db)[-1]
    assert (denied.outcome, denied.reason, denied.data_kind) == ("denied", "PROXY-SCOPE", "life")
    # Second sign-in: the card is bound, no code needed.
    assert actor_of(db, settings, sign_in(db, settings, card)).proxy_for == actor.proxy_for


def test_an_invitation_code_works_once(db: Session, settings: Settings, world: World) -> None:
    _grant_row, code = _grant(db, settings, ["cards"])
    sign_in(db, settings, proxy_card(settings), invite=code)
    with pytest.raises(service.PersonRefused) as excinfo:
        sign_in(db, settings, proxy_card(settings, "別人 太郎"), invite=code)
    assert excinfo.value.code == "PERSON-INVITE-USED"


def test_a_proxy_acting_after_revocation_is_refused_and_audited(
    db: Session, settings: Settings, world: World
) -> None:
    grant, code = _grant(db, settings, ["cards", "access_history"])
    card = proxy_card(settings)
    signed = sign_in(db, settings, card, invite=code)
    person = actor_of(db, settings, sign_in(db, settings, person_card(db, settings)))
    proxies.revoke_proxy(db, settings, person, grant.id)
    # The open proxy session ended with the grant.
    assert accounts.resolve_person_session(db, settings, signed.secret) is None
    signed.session.revoked_at = None  # even a session that somehow survived is refused
    with pytest.raises(AccessDenied) as excinfo:  # by the gate, on its first read
        access.open_kind(
            db, settings, actor_of(db, settings, signed), INSURER_NO, PERSON_A, "insurance_card"
        )
    assert excinfo.value.code == "ACCESS-PROXY-REVOKED"
    last = _events(db)[-1]
    assert (last.outcome, last.reason, last.proxy_for) == (
        "denied",
        "PROXY-REVOKED",
        f"proxy:{grant.id} 試験 花子",
    )
    with pytest.raises(service.PersonRefused) as again:
        sign_in(db, settings, card)
    assert again.value.code == "PERSON-PROXY-REVOKED"


def test_a_proxy_acting_after_expiry_is_refused(
    db: Session, settings: Settings, world: World
) -> None:
    grant, code = _grant(db, settings, ["cards"])
    card = proxy_card(settings)
    signed = sign_in(db, settings, card, invite=code)
    actor = actor_of(db, settings, signed)
    grant.valid_until = today_jst() - dt.timedelta(days=1)
    db.flush()
    with pytest.raises(AccessDenied) as excinfo:
        access.open_kind(db, settings, actor, INSURER_NO, PERSON_A, "insurance_card")
    assert excinfo.value.code == "ACCESS-PROXY-EXPIRED"
    with pytest.raises(AccessDenied):  # a session resolved afresh is refused all the same
        access.open_kind(
            db, settings, actor_of(db, settings, signed), INSURER_NO, PERSON_A, "copay_card"
        )
    with pytest.raises(service.PersonRefused) as again:
        sign_in(db, settings, card)
    assert again.value.code == "PERSON-PROXY-EXPIRED"


def test_the_last_valid_day_still_counts(db: Session, settings: Settings, world: World) -> None:
    grant, code = _grant(db, settings, ["cards"], days=0)
    actor = actor_of(db, settings, sign_in(db, settings, proxy_card(settings), invite=code))
    assert grant.valid_until == today_jst()
    assert access.open_kind(db, settings, actor, INSURER_NO, PERSON_A, "copay_card").allows(
        "copay_card"
    )


def test_only_the_person_manages_proxies(db: Session, settings: Settings, world: World) -> None:
    grant, code = _grant(db, settings, ["cards", "consent"])
    proxy = actor_of(db, settings, sign_in(db, settings, proxy_card(settings), invite=code))
    with pytest.raises(proxies.ProxyRefused) as excinfo:
        proxies.revoke_proxy(db, settings, proxy, grant.id)
    assert excinfo.value.code == "PERSON-PROXY-ONLY-PERSON"
    assert grant.revoked_at is None


def test_the_proxy_form_checks_every_field() -> None:
    today = dt.date(2026, 11, 25)
    _values, errors = proxies.check_proxy_form("", "", ["nonsense"], "2040-01-01", today)
    assert set(errors) == {"proxy_name", "relationship", "groups", "valid_until"}
    values, errors = proxies.check_proxy_form(" 試験 花子 ", "長女", ["cards"], "2027-03-31", today)
    assert errors == {} and values["valid_until"] == dt.date(2027, 3, 31)
