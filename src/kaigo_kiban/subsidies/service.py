"""Subsidy use cases, applicant side: create, edit, receipts, submit, comment (the operator's
review steps are in ``review.py``).

Applications are not person data, so the access gate does not apply; instead only the owner
organisation and operators see one (anyone else gets "not found", so ids cannot be probed).
Every change appends a row to ``portal_application_event`` (who, when, from → to, comment,
the grant at that point).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import Organization
from kaigo_kiban.subsidies.formats import check_receipt
from kaigo_kiban.subsidies.models import (
    SubsidyApplication,
    SubsidyApplicationEvent,
    SubsidyApplicationItem,
    SubsidyReceipt,
)
from kaigo_kiban.subsidies.rules import (
    DEFAULT_ROUNDS,
    EDITABLE_STATUSES,
    STATUS_LABELS,
    ApplicationAction,
    ApplicationStatus,
    Party,
    Reason,
    SubsidyItem,
    SubsidyResult,
    SubsidyRound,
    estimate_subsidy,
    next_status,
    require_open_round,
)

APPLICANT_KINDS = {"office": "介護事業所", "medical": "医療機関"}
EVENT_LABELS = {
    "created": "作成",
    "edited": "内容の変更",
    "receipt_added": "領収書の添付",
    "receipt_removed": "領収書の削除",
    "comment": "コメント",
    ApplicationAction.SUBMIT.value: "申請",
    ApplicationAction.START_REVIEW.value: "審査開始",
    ApplicationAction.RETURN.value: "差戻し",
    ApplicationAction.DECIDE.value: "交付決定",
    ApplicationAction.PAY.value: "支払",
}
MAX_ITEMS = 30
MAX_COMMENT = 2000
_HEAD_BYTES = 16


class ApplicationNotFound(NotFound):
    code = "PTL-APPLICATION-NOT-FOUND"


class NotAnApplicant(PermissionDenied):
    code = "PTL-NOT-APPLICANT"


class NotEditable(Conflict):
    code = "PTL-NOT-EDITABLE"


class SubmissionIncomplete(InvalidInput):
    code = "PTL-INCOMPLETE"


class DecisionInvalid(InvalidInput):
    code = "PTL-DECISION-INVALID"


class CommentRequired(InvalidInput):
    code = "PTL-COMMENT-REQUIRED"


@dataclass(frozen=True, slots=True)
class ItemInput:
    """One purchase line as entered (validated by the subsidy rules)."""

    kind: str
    quantity: int
    amount_yen: int
    description: str = ""


def party_of(actor: Actor) -> Party | None:
    """Which side of an application the actor can be on (None: neither)."""
    if actor.organization_kind == "operator":
        return Party.OPERATOR
    if actor.organization_kind in APPLICANT_KINDS:
        return Party.APPLICANT
    return None


def acting_party(actor: Actor) -> Party:
    """The party of an actor already let through ``load_application``."""
    party = party_of(actor)
    assert party is not None  # _load lets only applicants and operators through
    return party


def _require_applicant(actor: Actor) -> None:
    if party_of(actor) is not Party.APPLICANT:
        raise NotAnApplicant("補助金の申請は介護事業所・医療機関のアカウントで行ってください")


def applicant_facts(
    session: Session, organization_id: int
) -> tuple[str, tuple[str, ...], int | None]:
    """(applicant kind, service types, beds) of an organisation, as the calculation needs them."""
    org = session.get(Organization, organization_id)
    if org is None or org.kind not in APPLICANT_KINDS:
        raise NotAnApplicant("補助金の申請は介護事業所・医療機関のアカウントで行ってください")
    types = registry.service_types(session, organization_id)
    return org.kind, types, org.beds


def _validated_items(items: Sequence[ItemInput]) -> list[ItemInput]:
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"明細は{MAX_ITEMS}行までです", code="PTL-TOO-MANY-ITEMS")
    for i, item in enumerate(items):
        if len(item.description) > 200:
            raise InvalidInput(
                "品名は200文字以内で入力してください",
                code="PTL-DESCRIPTION-TOO-LONG",
                details={"field": f"items[{i}].description"},
            )
    return list(items)


def calculate(
    applicant_kind: str,
    service_types: Sequence[str],
    beds: int | None,
    items: Iterable[ItemInput],
) -> SubsidyResult:
    """The subsidy rules on entered lines (InvalidInput names the wrong line and field)."""
    rule_items = [SubsidyItem(i.kind, i.amount_yen, i.quantity) for i in items]  # type: ignore[arg-type]
    return estimate_subsidy(applicant_kind, rule_items, service_types=service_types, beds=beds)


def estimate_for(session: Session, actor: Actor, items: Sequence[ItemInput]) -> SubsidyResult:
    """Live calculation for the actor's organisation, nothing stored."""
    _require_applicant(actor)
    kind, types, beds = applicant_facts(session, actor.organization_id or 0)
    return calculate(kind, types, beds, _validated_items(items))


def stored_result(app: SubsidyApplication) -> SubsidyResult:
    """The calculation stored with the application."""
    reasons = tuple(Reason(r["code"], r["message"]) for r in json.loads(app.reasons_json or "[]"))
    return SubsidyResult(app.eligible_cost_yen, app.cap_yen, app.grant_yen, reasons)


def _store_result(app: SubsidyApplication, result: SubsidyResult) -> None:
    app.eligible_cost_yen = result.eligible_cost_yen
    app.cap_yen = result.cap_yen
    app.grant_yen = result.grant_yen
    app.reasons_json = json.dumps([r.to_dict() for r in result.reasons], ensure_ascii=False)


def _event(
    session: Session,
    app: SubsidyApplication,
    actor: Actor,
    action: str,
    *,
    from_status: str | None,
    comment: str = "",
) -> None:
    session.add(
        SubsidyApplicationEvent(
            application_id=app.id,
            occurred_at=utcnow(),
            action=action,
            from_status=from_status,
            to_status=app.status,
            actor_name=actor.display_name,
            actor_account_id=actor.account_id,
            organization_kind=actor.organization_kind,
            organization_code=actor.organization_code,
            comment=comment,
            grant_yen=app.grant_yen,
        )
    )
    session.flush()


def clean_comment(text: str) -> str:
    """A comment trimmed, or InvalidInput when longer than MAX_COMMENT."""
    text = text.strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"コメントは{MAX_COMMENT}文字以内です", code="PTL-COMMENT-TOO-LONG")
    return text


def _replace_items(
    session: Session, app: SubsidyApplication, actor: Actor, items: Sequence[ItemInput]
) -> None:
    """Recalculate with the organisation's current facts, then store lines and result."""
    kind, types, beds = applicant_facts(session, app.organization_id)
    result = calculate(kind, types, beds, items)
    app.applicant_kind, app.service_types, app.beds = kind, ",".join(types), beds
    _store_result(app, result)
    for old in session.scalars(
        select(SubsidyApplicationItem).where(SubsidyApplicationItem.application_id == app.id)
    ):
        session.delete(old)
    session.flush()
    for position, item in enumerate(items, start=1):
        session.add(
            SubsidyApplicationItem(
                application_id=app.id,
                position=position,
                kind=item.kind,
                description=item.description.strip(),
                quantity=item.quantity,
                amount_yen=item.amount_yen,
            )
        )


def create_application(
    session: Session,
    actor: Actor,
    items: Sequence[ItemInput],
    *,
    contact_name: str = "",
    contact_phone: str = "",
    note: str = "",
) -> SubsidyApplication:
    """A new DRAFT for the actor's office or medical institution."""
    _require_applicant(actor)
    items = _validated_items(items)
    kind, types, beds = applicant_facts(session, actor.organization_id or 0)
    calculate(kind, types, beds, items)  # refuse invalid lines before anything is written
    now = utcnow()
    app = SubsidyApplication(
        organization_id=actor.organization_id,
        applicant_kind=kind,
        status=ApplicationStatus.DRAFT.value,
        contact_name=contact_name.strip()[:100],
        contact_phone=contact_phone.strip()[:20],
        note=clean_comment(note),
        created_at=now,
        updated_at=now,
    )
    session.add(app)
    session.flush()
    _replace_items(session, app, actor, items)
    _event(session, app, actor, "created", from_status=None)
    return app


def load_application(
    session: Session, actor: Actor, app_id: int, *, lock: bool = False
) -> SubsidyApplication:
    """The application if the actor may see it (owner organisation or operator), else
    ApplicationNotFound; ``lock`` takes the row lock a change needs."""
    app = session.get(SubsidyApplication, app_id, with_for_update=lock)
    party = party_of(actor)
    visible = app is not None and (
        party is Party.OPERATOR
        or (party is Party.APPLICANT and app.organization_id == actor.organization_id)
    )
    if not visible:
        # Same answer for "does not exist" and "not yours": ids cannot be probed.
        raise ApplicationNotFound("申請が見つかりません", details={"id": app_id})
    assert app is not None
    return app


def get_application(session: Session, actor: Actor, app_id: int) -> SubsidyApplication:
    """One application, for its owner organisation or an operator only."""
    return load_application(session, actor, app_id)


def list_applications(
    session: Session, actor: Actor, status: str | None = None
) -> list[tuple[SubsidyApplication, Organization]]:
    """The actor's own applications; an operator sees every organisation's."""
    party = party_of(actor)
    if party is None:
        raise NotAnApplicant("補助金の申請は介護事業所・医療機関・運用担当者の画面です")
    query = select(SubsidyApplication, Organization).join(
        Organization, Organization.id == SubsidyApplication.organization_id
    )
    if party is Party.APPLICANT:
        query = query.where(SubsidyApplication.organization_id == actor.organization_id)
    if status:
        query = query.where(SubsidyApplication.status == status)
    rows = session.execute(query.order_by(SubsidyApplication.id.desc()).limit(500)).all()
    return [(a, o) for a, o in rows]


def application_items(session: Session, app: SubsidyApplication) -> list[SubsidyApplicationItem]:
    return list(
        session.scalars(
            select(SubsidyApplicationItem)
            .where(SubsidyApplicationItem.application_id == app.id)
            .order_by(SubsidyApplicationItem.position)
        )
    )


def application_receipts(session: Session, app: SubsidyApplication) -> list[SubsidyReceipt]:
    """Receipts currently attached (removed ones stay in the table and in the history)."""
    return list(
        session.scalars(
            select(SubsidyReceipt)
            .where(SubsidyReceipt.application_id == app.id, SubsidyReceipt.removed_at.is_(None))
            .order_by(SubsidyReceipt.id)
        )
    )


def application_history(session: Session, app: SubsidyApplication) -> list[SubsidyApplicationEvent]:
    return list(
        session.scalars(
            select(SubsidyApplicationEvent)
            .where(SubsidyApplicationEvent.application_id == app.id)
            .order_by(SubsidyApplicationEvent.id)
        )
    )


def _editable(session: Session, actor: Actor, app_id: int) -> SubsidyApplication:
    app = load_application(session, actor, app_id, lock=True)
    if party_of(actor) is not Party.APPLICANT:
        raise NotAnApplicant("申請内容を変更できるのは申請者だけです")
    if app.status not in EDITABLE_STATUSES:
        label = STATUS_LABELS[ApplicationStatus(app.status)]
        raise NotEditable(
            f"「{label}」の申請は変更できません（下書きか差戻しの申請だけ変更できます）"
        )
    return app


def update_application(
    session: Session,
    actor: Actor,
    app_id: int,
    items: Sequence[ItemInput],
    *,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    note: str | None = None,
) -> SubsidyApplication:
    """Replace the lines (and contact details) of a DRAFT or RETURNED application."""
    app = _editable(session, actor, app_id)
    _replace_items(session, app, actor, _validated_items(items))
    if contact_name is not None:
        app.contact_name = contact_name.strip()[:100]
    if contact_phone is not None:
        app.contact_phone = contact_phone.strip()[:20]
    if note is not None:
        app.note = clean_comment(note)
    app.updated_at = utcnow()
    _event(session, app, actor, "edited", from_status=app.status)
    return app


def add_receipt(
    session: Session,
    actor: Actor,
    app_id: int,
    file_name: str,
    stream: BinaryIO,
    *,
    max_bytes: int,
) -> SubsidyReceipt:
    """Attach a receipt (PDF, PNG or JPEG by its magic bytes, at most ``max_bytes``).

    At most ``max_bytes + 1`` bytes are read, so an oversized upload is never held whole.
    """
    app = _editable(session, actor, app_id)
    content = stream.read(max_bytes + 1)
    media_type = check_receipt(content[:_HEAD_BYTES], len(content), max_bytes)
    name = (file_name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "receipt")[:200]
    receipt = SubsidyReceipt(
        application_id=app.id,
        file_name=name,
        media_type=media_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=utcnow(),
        uploaded_by=actor.display_name,
    )
    session.add(receipt)
    app.updated_at = utcnow()
    session.flush()
    _event(session, app, actor, "receipt_added", from_status=app.status, comment=name)
    return receipt


def remove_receipt(session: Session, actor: Actor, app_id: int, receipt_id: int) -> None:
    """Detach a receipt; the file stays on record (``removed_at``) and in the history."""
    app = _editable(session, actor, app_id)
    receipt = session.get(SubsidyReceipt, receipt_id)
    if receipt is None or receipt.application_id != app.id or receipt.removed_at is not None:
        raise NotFound("領収書が見つかりません", code="PTL-RECEIPT-NOT-FOUND")
    receipt.removed_at = app.updated_at = utcnow()
    _event(
        session, app, actor, "receipt_removed", from_status=app.status, comment=receipt.file_name
    )


def get_receipt(session: Session, actor: Actor, app_id: int, receipt_id: int) -> SubsidyReceipt:
    """A receipt of an application the actor may see (removed ones too, for the record)."""
    app = load_application(session, actor, app_id)
    receipt = session.get(SubsidyReceipt, receipt_id)
    if receipt is None or receipt.application_id != app.id:
        raise NotFound("領収書が見つかりません", code="PTL-RECEIPT-NOT-FOUND")
    return receipt


def apply_transition(
    session: Session,
    actor: Actor,
    app: SubsidyApplication,
    action: ApplicationAction,
    comment: str = "",
) -> SubsidyApplication:
    """Move ``app`` along the state machine (or raise) and record it in the history."""
    before = app.status
    app.status = next_status(before, action, acting_party(actor)).value
    app.updated_at = utcnow()
    _event(session, app, actor, action.value, from_status=before, comment=comment)
    return app


def submit_application(
    session: Session,
    actor: Actor,
    app_id: int,
    *,
    today: dt.date | None = None,
    rounds: Sequence[SubsidyRound] = DEFAULT_ROUNDS,
) -> SubsidyApplication:
    """DRAFT or RETURNED → SUBMITTED, only within an open round and with something to pay."""
    app = load_application(session, actor, app_id, lock=True)
    next_status(app.status, ApplicationAction.SUBMIT, acting_party(actor))
    round_ = require_open_round(today or today_jst(), rounds)
    items = [
        ItemInput(i.kind, i.quantity, i.amount_yen, i.description)
        for i in application_items(session, app)
    ]
    _replace_items(session, app, actor, items)  # the organisation's facts as of submission
    missing = []
    if not items:
        missing.append("明細（購入した機器・サービス）を1行以上入力してください")
    if not application_receipts(session, app):
        missing.append("領収書を1つ以上添付してください")
    if items and app.grant_yen == 0:
        missing.append("補助対象となる経費がありません（計算結果の理由を確認してください）")
    if missing:
        raise SubmissionIncomplete("申請できません: " + " / ".join(missing), details=missing)
    app.round_name = round_.name
    app.submitted_at = utcnow()
    return apply_transition(session, actor, app, ApplicationAction.SUBMIT)


def add_comment(session: Session, actor: Actor, app_id: int, comment: str) -> SubsidyApplication:
    """A note in the history, by the applicant or an operator; the status does not change."""
    app = load_application(session, actor, app_id, lock=True)
    text = clean_comment(comment)
    if not text:
        raise CommentRequired("コメントを入力してください")
    app.updated_at = utcnow()
    _event(session, app, actor, "comment", from_status=app.status, comment=text)
    return app
