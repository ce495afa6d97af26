"""The care-plan mailbox: an office sends a file to another office; both list, open and
download it; the receiver marks it imported. ``service`` re-exports these use cases.

Every person named in a file goes through the access gate (data kind ``care_plan``): action
``write`` to send or mark imported, ``list`` to list, ``read`` to open or download. With
``settings.careplan_require_assignment`` (default on) one denial stops the whole file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan.codec.filenames import FileName, check_file_name
from kaigo_kiban.careplan.codec.formats import CareplanFile
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.codec.rules import ServiceCodeMaster
from kaigo_kiban.careplan.codec.validation import USAGE_TYPES, check_careplan
from kaigo_kiban.careplan.limits import LimitResult, check_person_months
from kaigo_kiban.careplan.models import CareplanTransfer, CareplanTransferPerson
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import FieldError, FileRejected
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import OfficeService, Organization


@dataclass
class SendResult:
    """What a send did: the stored transfer, the limit checks, what it replaced or withdrew."""

    view: ex.TransferView
    limits: list[LimitResult]
    superseded: list[int]
    withdrawn: list[int]
    warnings: list[FieldError]

    @property
    def over_limit(self) -> list[LimitResult]:
        return [r for r in self.limits if r.over]


def _rejected(message: str, errors: list[FieldError]) -> FileRejected:
    return FileRejected(message, errors, code="CP-FILE-REJECTED")


def _check_name(actor: Actor, file_name: str) -> FileName:
    """The file name parsed; its sender must be the actor's office and the direction right."""
    name, errors = check_file_name(file_name)
    if name is not None and not errors and name.form == "v3":
        msg = "送信するファイル名には送信元・送信先のサービス種類が必要です（v4形式）"
        errors = [FieldError("CP-FILE-NAME-V3", msg, value=file_name, field="file_name")]
    if name is None or errors:
        raise _rejected("ファイル名が規約に合いません", errors)
    sender_type = name.sender_service_type or ""
    if name.sender_office_no != actor.organization_code or sender_type not in actor.service_types:
        raise ex.SenderNotOwnOffice(
            f"ファイル名の送信元（事業所番号{name.sender_office_no}・サービス種類{sender_type}）が"
            "ログイン中の事業所と一致しません",
            details={"office_no": name.sender_office_no, "service_type": sender_type},
        )
    problem = ex.direction_problem(name.record_type, sender_type, name.receiver_service_type or "")
    if problem is not None:
        raise ex.WrongDirection(problem, details={"record_type": name.record_type})
    return name


def _receiver(session: Session, office_no: str, service_type: str) -> Organization:
    org = session.scalar(
        select(Organization)
        .join(OfficeService, OfficeService.organization_id == Organization.id)
        .where(
            Organization.kind == "office",
            Organization.code == office_no,
            OfficeService.service_type == service_type,
        )
    )
    if org is None:
        raise ex.ReceiverUnknown(
            f"送信先の事業所（事業所番号{office_no}・サービス種類{service_type}）は"
            "基盤に登録されていません",
            details={"office_no": office_no, "service_type": service_type},
        )
    return org


def _file_persons(parsed: CareplanFile) -> list[tuple[str, str, str, int]]:
    """(保険者番号, 被保険者番号, join key, first line) of every person-key in the file."""
    seen: dict[tuple[str, str, str], int] = {}
    for record, fields in parsed.rows():
        key = (
            fields.get("insurer_no", ""),
            fields.get("insured_no", ""),
            ex.join_key(parsed.record_type or "", fields),
        )
        seen.setdefault(key, record.line)
    return [(*key, line) for key, line in seen.items()]


def _receiver_warnings(
    session: Session, settings: Settings, receiver: Organization, persons: list[tuple[str, str]]
) -> list[FieldError]:
    """Persons the receiver cannot open yet (not its assigned person): a warning, not a stop."""
    out = []
    for insurer_no, insured_no in dict.fromkeys(persons):
        if ex.is_public_assistance(insured_no):
            continue
        if (
            access.assignment_state(session, settings, receiver.id, insurer_no, insured_no)
            != "active"
        ):
            out.append(
                FieldError(
                    "CP-RECEIVER-NOT-ASSIGNED",
                    f"送信先の事業所は被保険者{insured_no}の担当事業所として登録されていません"
                    "（登録されるまで送信先ではこのファイルを開けません）",
                    value=insured_no,
                    field="insured_no",
                    extra={"severity": "warning"},
                )
            )
    return out


def _limit_columns(result: LimitResult | None) -> dict[str, Any]:
    if result is None:
        return {}
    return {
        "total_units": result.total_units,
        "subject_units": result.subject_units,
        "care_level": result.care_level,
        "benefit_limit_units": result.benefit_limit_units,
        "excess_units": result.excess_units,
        "excess_yen": result.excess_yen,
        "unit_price": str(result.unit_price) if result.unit_price is not None else None,
        "area_grade": result.area_grade,
        "limit_note": result.note,
    }


def send_file(
    session: Session,
    settings: Settings,
    actor: Actor,
    data: bytes,
    file_name: str,
    *,
    master: ServiceCodeMaster | None = None,
) -> SendResult:
    """Validate a file and put it in the receiving office's mailbox (same bytes).

    Raises ``FileRejected`` (``CP-FILE-REJECTED``, every error) for a bad name or content,
    ``SenderNotOwnOffice``, ``WrongDirection``, ``ReceiverUnknown``, ``CareplanAccessDenied``
    (a person the office may not send) or ``ResendOlder``; nothing is stored then.
    """
    ex.require_office(actor)
    if len(data) > settings.upload_max_bytes:
        raise ex.FileTooLarge(f"ファイルが大きすぎます（上限 {settings.upload_max_bytes} バイト）")
    base = PurePath(file_name).name
    name = _check_name(actor, base)
    receiver = _receiver(session, name.receiver_office_no, name.receiver_service_type or "")
    parsed, totals = check_careplan(data, base, master or default_service_codes())
    if parsed.errors:
        raise _rejected("ケアプランファイルに誤りがあるため送信しませんでした", parsed.errors)
    persons = _file_persons(parsed)
    pairs = [(p[0], p[1]) for p in persons]
    decisions = ex.authorize_persons(session, settings, actor, pairs, "write")
    ex.require_all(settings, decisions)
    limits: list[LimitResult] = []
    if parsed.record_type in USAGE_TYPES:
        planned = parsed.record_type == "UPPLAN"
        limits = check_person_months(
            session,
            settings,
            actor,
            totals,
            provider=receiver if planned else session.get(Organization, actor.organization_id),
            provider_type=(name.receiver_service_type if planned else name.sender_service_type)
            or "",
        )
    warnings = parsed.warnings + _receiver_warnings(session, settings, receiver, pairs)
    transfer = CareplanTransfer(
        file_name=base,
        record_type=name.record_type,
        csv_version=parsed.version,
        content=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        record_count=parsed.record_count,
        sender_org_id=actor.organization_id,
        sender_office_no=name.sender_office_no,
        sender_service_type=name.sender_service_type,
        receiver_org_id=receiver.id,
        receiver_office_no=name.receiver_office_no,
        receiver_service_type=name.receiver_service_type,
        target_month=name.target_month,
        service_month=ex.service_month(name.target_month, [p[2] for p in persons]),
        file_seq=name.created_at,
        status=ex.SENT,
        state=ex.ACTIVE,
        sent_at=utcnow(),
        sent_by_account=actor.account_id,
        sent_by_name=actor.display_name,
    )
    changes = ex.plan_changes(session, transfer, [p[:3] for p in persons])
    session.add(transfer)
    session.flush()
    by_person = {(r.insurer_no, r.insured_no): r for r in limits}
    rows = [
        CareplanTransferPerson(
            transfer_id=transfer.id,
            insurer_no=insurer_no,
            insured_no=insured_no,
            join_key=key,
            first_line=line,
            state=ex.ACTIVE,
            **_limit_columns(by_person.get((insurer_no, insured_no))),
        )
        for insurer_no, insured_no, key, line in persons
    ]
    session.add_all(rows)
    session.flush()
    superseded, withdrawn = ex.apply_changes(session, transfer, changes)
    view = ex.TransferView(
        transfer, rows, decisions, True, actor.organization_name or "", receiver.name
    )
    return SendResult(view, limits, superseded, withdrawn, warnings)


def _mark_received(transfer: CareplanTransfer, actor: Actor) -> bool:
    """SENT → RECEIVED when the receiver first sees the file; True if it was new."""
    if transfer.status != ex.SENT:
        return False
    transfer.status = ex.RECEIVED
    transfer.received_at = utcnow()
    transfer.received_by_account = actor.account_id
    return True


def list_mailbox(
    session: Session,
    settings: Settings,
    actor: Actor,
    box: str = "received",
    *,
    month: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[ex.TransferView]:
    """The office's received or sent files, newest first; every person named is authorised
    (action ``list``, once per person per call). Files naming a person the office may not see
    come back with ``accessible=False`` (the caller shows no person data for them). Listing
    received files marks the accessible ones RECEIVED. ``status`` filters SENT/RECEIVED/
    IMPORTED or SUPERSEDED/WITHDRAWN; ``month`` the 対象年月 (or 計画作成日's month)."""
    ex.require_office(actor)
    mine = CareplanTransfer.receiver_org_id if box == "received" else CareplanTransfer.sender_org_id
    query = select(CareplanTransfer).where(mine == actor.organization_id)
    if month:
        query = query.where(CareplanTransfer.service_month == month)
    if status in ex.STATUS_LABELS:
        query = query.where(CareplanTransfer.status == status)
    elif status in ex.STATE_LABELS:
        query = query.where(CareplanTransfer.state == status)
    query = query.order_by(CareplanTransfer.sent_at.desc(), CareplanTransfer.id.desc())
    transfers = list(session.scalars(query.limit(limit)))
    persons = ex.persons_of(session, [t.id for t in transfers])
    names = ex.org_names(
        session, [t.sender_org_id for t in transfers] + [t.receiver_org_id for t in transfers]
    )
    cache: dict[tuple[str, str], Any] = {}
    views = []
    for t in transfers:
        pairs = [(p.insurer_no, p.insured_no) for p in persons[t.id]]
        decisions = ex.authorize_persons(session, settings, actor, pairs, "list", cache)
        accessible = not ex.blocking(settings, decisions)
        view = ex.TransferView(
            t,
            persons[t.id],
            decisions,
            accessible,
            names.get(t.sender_org_id, ""),
            names.get(t.receiver_org_id, ""),
        )
        if box == "received" and accessible:
            view.is_new = _mark_received(t, actor)
        views.append(view)
    session.flush()
    return views


def open_transfer(
    session: Session, settings: Settings, actor: Actor, transfer_id: int
) -> ex.TransferView:
    """One file the office sent or received, every person authorised (``read``); opening a
    received file marks it RECEIVED."""
    transfer = ex.load_for_party(session, actor, transfer_id)
    view = ex.gate_transfer(session, settings, actor, transfer, "read")
    if actor.organization_id == transfer.receiver_org_id:
        view.is_new = _mark_received(transfer, actor)
        session.flush()
    return view


def read_content(
    session: Session, settings: Settings, actor: Actor, transfer_id: int
) -> tuple[str, bytes]:
    """The original file name and the exact bytes that were sent."""
    transfer = open_transfer(session, settings, actor, transfer_id).transfer
    return transfer.file_name, transfer.content


def mark_imported(
    session: Session, settings: Settings, actor: Actor, transfer_id: int
) -> ex.TransferView:
    """The receiver records that it imported the file into its own system (取込済)."""
    transfer = ex.load_for_party(session, actor, transfer_id)
    if actor.organization_id != transfer.receiver_org_id:
        raise ex.NotReceiver("取込済にできるのは、ファイルを受信した事業所だけです")
    view = ex.gate_transfer(session, settings, actor, transfer, "write")
    if transfer.state != ex.ACTIVE:
        raise ex.TransferInactive("差し替えられた、または取り消されたファイルは取込済にできません")
    _mark_received(transfer, actor)
    if transfer.status != ex.IMPORTED:
        transfer.status = ex.IMPORTED
        transfer.imported_at = utcnow()
        transfer.imported_by_account = actor.account_id
    session.flush()
    return view
