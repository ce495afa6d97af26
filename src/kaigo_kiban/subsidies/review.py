"""Operator side of subsidy applications: start review, return, decide, record payment.

Each is a transition of the state machine in ``subsidies/rules.py`` and appends to the history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import fiscal_year, to_jst, today_jst, utcnow
from kaigo_kiban.subsidies.models import SubsidyApplication
from kaigo_kiban.subsidies.rules import ApplicationAction, next_status
from kaigo_kiban.subsidies.service import (
    CommentRequired,
    DecisionInvalid,
    acting_party,
    apply_transition,
    clean_comment,
    load_application,
)


def start_review(
    session: Session, actor: Actor, app_id: int, comment: str = ""
) -> SubsidyApplication:
    """SUBMITTED → IN_REVIEW."""
    app = load_application(session, actor, app_id, lock=True)
    return apply_transition(
        session, actor, app, ApplicationAction.START_REVIEW, clean_comment(comment)
    )


def return_application(
    session: Session, actor: Actor, app_id: int, comment: str
) -> SubsidyApplication:
    """IN_REVIEW → RETURNED; the applicant must be told what to fix, so a comment is required."""
    app = load_application(session, actor, app_id, lock=True)
    text = clean_comment(comment)
    next_status(app.status, ApplicationAction.RETURN, acting_party(actor))
    if not text:
        raise CommentRequired("差し戻す理由（修正してほしい点）を入力してください")
    return apply_transition(session, actor, app, ApplicationAction.RETURN, text)


def decide_application(
    session: Session,
    actor: Actor,
    app_id: int,
    *,
    grant_yen: int | None = None,
    comment: str = "",
) -> SubsidyApplication:
    """IN_REVIEW → DECIDED. The decided amount defaults to the calculated grant; a lower one
    (e.g. a receipt that does not support a line) needs a reason, a higher one is refused."""
    app = load_application(session, actor, app_id, lock=True)
    text = clean_comment(comment)
    next_status(app.status, ApplicationAction.DECIDE, acting_party(actor))
    amount = app.grant_yen if grant_yen is None else grant_yen
    if not 0 <= amount <= app.grant_yen:
        raise DecisionInvalid(
            f"交付決定額は0円以上、算定した補助金額 {app.grant_yen:,}円 以下で入力してください",
            details={"grant_yen": amount, "calculated_yen": app.grant_yen},
        )
    if amount < app.grant_yen and not text:
        raise CommentRequired("算定額より減額して決定する場合は、その理由を入力してください")
    app.decided_grant_yen = amount
    app.decided_at = utcnow()
    app.decision_no = f"KK-{fiscal_year(today_jst())}-{app.id:06d}"
    return apply_transition(session, actor, app, ApplicationAction.DECIDE, text)


def record_payment(
    session: Session, actor: Actor, app_id: int, paid_on: dt.date, comment: str = ""
) -> SubsidyApplication:
    """DECIDED → PAID on ``paid_on``."""
    app = load_application(session, actor, app_id, lock=True)
    next_status(app.status, ApplicationAction.PAY, acting_party(actor))
    if app.decided_at is not None and paid_on < to_jst(app.decided_at).date():
        raise DecisionInvalid("支払日が交付決定日より前です", details={"paid_on": str(paid_on)})
    app.paid_on = paid_on
    return apply_transition(session, actor, app, ApplicationAction.PAY, clean_comment(comment))
