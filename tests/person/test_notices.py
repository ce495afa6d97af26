"""Notices: a new assigned office shows in the portal and, when asked, goes out by e-mail."""

from __future__ import annotations

import socket

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.core.settings import Settings
from kaigo_kiban.notices import service as notices
from kaigo_kiban.notices.models import NoticeDelivery
from kaigo_kiban.person import portal
from tests.factories import INSURER_NO
from tests.person.conftest import PERSON_A, World, actor_of, person_card, sign_in


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_new_assignment_is_a_portal_notice(db: Session, settings: Settings, world: World) -> None:
    notices.notify_new_assignment(db, INSURER_NO, PERSON_A, "試験訪問介護")
    actor = actor_of(db, settings, sign_in(db, settings, person_card(db, settings)))
    # the world's own assignment registration already sent one notice (access.register_assignment)
    [notice] = [n for n in portal.list_notices(db, actor) if "「試験訪問介護」" in n.body]
    assert notice.read_at is None
    assert db.scalars(select(NoticeDelivery)).all() == []  # no e-mail unless asked for
    portal.mark_notices_read(db, actor)
    assert notice.read_at is not None


def test_an_email_notice_is_recorded_in_demo_and_retried_then_failed_over_smtp(
    db: Session, settings: Settings, world: World
) -> None:
    actor = actor_of(db, settings, sign_in(db, settings, person_card(db, settings)))
    portal.set_contact(db, settings, actor, "ichiro@example.invalid", True)
    notices.notify_new_assignment(db, INSURER_NO, PERSON_A, "試験訪問介護")
    [delivery] = db.scalars(select(NoticeDelivery)).all()
    assert (delivery.status, delivery.address) == ("pending", "ichiro@example.invalid")
    assert isinstance(notices.notifier_from_settings(settings), notices.RecordingNotifier)

    smtp = notices.SmtpNotifier(host="127.0.0.1", port=_closed_port(), starttls=False, timeout=2)
    for _ in range(notices.MAX_ATTEMPTS - 1):
        assert notices.deliver_pending(db, smtp)["retry"] == 1
    assert notices.deliver_pending(db, smtp)["failed"] == 1
    assert delivery.status == "failed" and delivery.last_error

    notices.notify_new_assignment(db, INSURER_NO, PERSON_A, "試験通所介護")
    assert notices.deliver_pending(db, notices.RecordingNotifier()) == {
        "sent": 0,
        "recorded": 1,
        "failed": 0,
        "retry": 0,
    }


def test_smtp_is_chosen_only_when_configured_outside_demo(settings: Settings) -> None:
    production = settings.model_copy(update={"demo_mode": False})
    assert isinstance(notices.notifier_from_settings(production), notices.RecordingNotifier)
    object.__setattr__(production, "smtp_host", "mail.example.invalid")
    chosen = notices.notifier_from_settings(production)
    assert isinstance(chosen, notices.SmtpNotifier) and chosen.host == "mail.example.invalid"
