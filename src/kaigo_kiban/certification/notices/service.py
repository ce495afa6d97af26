"""居宅サービス計画作成依頼届出 online: the assigned care-management office submits, the
municipality accepts (the 被保険者証 then shows the office and the notification date) or
returns it with a reason; municipal systems pull accepted notices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards import service as cards
from kaigo_kiban.certification.notices import rules
from kaigo_kiban.certification.notices.models import PlanNotice
from kaigo_kiban.core.clock import to_jst, utcnow
from kaigo_kiban.core.errors import Conflict, NotFound, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson


def submit_notice(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    insurer_no: str,
    insured_no: str,
    plan_valid_from: dt.date,
    notice_kind: str = "1",
    remarks: str | None = None,
) -> PlanNotice:
    """The office (居宅介護支援 43 or 介護予防支援 46) assigned to the person submits the 届出."""
    types = [t for t in actor.service_types if t in rules.PLAN_OFFICE_TYPES]
    if actor.organization_kind != "office" or not types or actor.organization_id is None:
        raise PermissionDenied(
            "居宅介護支援事業所・介護予防支援事業所だけが届出できます", code="CT-NOTICE-OFFICE"
        )
    rules.check_notice(notice_kind, remarks)
    # Consent and an active assignment of this office (the gate), like any write.
    access.open_kind(session, settings, actor, insurer_no, insured_no, "insurance_card", "write")
    pending = session.scalar(
        select(PlanNotice).where(
            PlanNotice.insurer_no == insurer_no,
            PlanNotice.insured_no == insured_no,
            PlanNotice.organization_id == actor.organization_id,
            PlanNotice.status == "submitted",
        )
    )
    if pending is not None:
        raise Conflict(
            "この方の届出は受付待ちです (市町村の処理をお待ちください)",
            code="CT-NOTICE-PENDING",
            details={"notice_id": pending.id},
        )
    notice = PlanNotice(
        insurer_no=insurer_no,
        insured_no=insured_no,
        organization_id=actor.organization_id,
        office_no=actor.organization_code or "",
        service_type=types[0],
        notice_kind=notice_kind,
        plan_valid_from=plan_valid_from,
        remarks=remarks or None,
        status="submitted",
        submitted_at=utcnow(),
        submitted_by=actor.display_name,
    )
    session.add(notice)
    session.flush()
    return notice


def _municipal_notice(
    session: Session, settings: Settings, actor: Actor, notice_id: int
) -> PlanNotice:
    if actor.organization_kind != "municipality":
        raise PermissionDenied("市町村職員の操作です", code="CT-MUNICIPAL-ONLY")
    notice = session.get(PlanNotice, notice_id)
    if notice is None or notice.insurer_no != actor.insurer_no:
        raise NotFound("届出が見つかりません", code="CT-NOTICE-NOT-FOUND")
    access.open_kind(
        session, settings, actor, notice.insurer_no, notice.insured_no, "insurance_card", "write"
    )
    if notice.status != "submitted":
        raise Conflict("この届出は処理済みです", code="CT-NOTICE-DECIDED")
    return notice


def accept_notice(
    session: Session,
    settings: Settings,
    actor: Actor,
    notice_id: int,
    *,
    notified_on: dt.date | None = None,
) -> PlanNotice:
    """Accept: the 届出年月日 is the day of submission (JST) unless given; the 被保険者証 shows the
    office from then on, as a derived fact apart from the municipality's 履歴番号
    (``cards.apply_plan_notification``)."""
    notice = _municipal_notice(session, settings, actor, notice_id)
    day = notified_on or to_jst(notice.submitted_at).date()
    notice.status, notice.notified_on = "accepted", day
    notice.decided_at, notice.decided_by = utcnow(), actor.display_name
    session.flush()
    fact = cards.apply_plan_notification(
        session,
        notice.insurer_no,
        notice.insured_no,
        notice.office_no,
        day,
        rules.PLAN_OFFICE_TYPES[notice.service_type],
        notice.plan_valid_from,
        source_ref=f"plan_notice:{notice.id}",
    )
    notice.card_history_no = None if fact is None else cards.shown_history_no(fact)
    session.flush()
    return notice


def return_notice(
    session: Session, settings: Settings, actor: Actor, notice_id: int, reason: str
) -> PlanNotice:
    """Return the 届出 to the office with a reason (required, at most 500 characters)."""
    reason = rules.return_reason(reason)
    notice = _municipal_notice(session, settings, actor, notice_id)
    notice.status, notice.return_reason = "returned", reason
    notice.decided_at, notice.decided_by = utcnow(), actor.display_name
    session.flush()
    return notice


def list_notices(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    status: str | None = None,
    since_id: int = 0,
    limit: int = 200,
) -> list[tuple[PlanNotice, InsuredPerson | None]]:
    """The municipality's inbox (its insurer) or the office's own notices; each person shown
    passes the gate."""
    stmt = select(PlanNotice).where(PlanNotice.id > since_id)
    if actor.organization_kind == "municipality":
        stmt = stmt.where(PlanNotice.insurer_no == actor.insurer_no)
    elif actor.organization_kind == "office" and actor.organization_id is not None:
        stmt = stmt.where(PlanNotice.organization_id == actor.organization_id)
    else:
        raise PermissionDenied("この一覧は表示できません", code="CT-NOTICE-LIST")
    if status is not None:
        rules.check_status(status)
        stmt = stmt.where(PlanNotice.status == status)
    out = []
    for notice in session.scalars(stmt.order_by(PlanNotice.id).limit(limit)):
        grant = access.open_person(
            session,
            settings,
            actor,
            notice.insurer_no,
            notice.insured_no,
            ["insurance_card"],
            "list",
        )
        if grant.allows("insurance_card"):
            out.append((notice, session.get(InsuredPerson, (notice.insurer_no, notice.insured_no))))
    return out


def notice_dict(notice: PlanNotice, person: InsuredPerson | None = None) -> dict[str, Any]:
    """The documented JSON of a notice (docs/certification.md §6)."""
    return {
        "notice_id": notice.id,
        "insurer_no": notice.insurer_no,
        "insured_no": notice.insured_no,
        "name": person.name_kanji if person else None,
        "office_no": notice.office_no,
        "service_type": notice.service_type,
        "plan_kind": rules.PLAN_OFFICE_TYPES[notice.service_type],
        "notice_kind": notice.notice_kind,
        "plan_valid_from": notice.plan_valid_from,
        "remarks": notice.remarks,
        "status": notice.status,
        "submitted_at": notice.submitted_at,
        "decided_at": notice.decided_at,
        "notified_on": notice.notified_on,
        "return_reason": notice.return_reason,
        "card_history_no": notice.card_history_no,
    }
