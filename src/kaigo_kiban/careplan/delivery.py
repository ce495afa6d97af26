"""The person's copy of the care plan (交付).

The care-management office (service type 43 or 46) that sent a plan file (第1〜3表) marks it
as delivered to the person (``mark_delivered``); the person portal shows the delivered plans
with ``list_delivered_plans``, which returns only that person's rows of each file, already
laid out like the paper forms (``careplan.codec.sheets``). Both are authorised and audited (data
kind ``care_plan``; the policy lets a person read the plans delivered to them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan.codec.formats import read_careplan
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.codec.rules import ServiceCodeMaster
from kaigo_kiban.careplan.codec.sheets import PersonSheet, build_sheets
from kaigo_kiban.careplan.models import CareplanTransfer, CareplanTransferPerson, PersonCarePlan
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import Organization

#: Service types of the offices that make plans and deliver them (居宅介護支援, 介護予防支援).
PLAN_OFFICE_TYPES = frozenset({"43", "46"})


@dataclass
class DeliveredPlan:
    """One plan file delivered to the person, with only that person's part of it.

    ``state`` is ACTIVE, or SUPERSEDED / WITHDRAWN when the office later replaced or
    withdrew the file (the delivered copy stays listed; show it as an earlier version).
    """

    delivery_id: int
    transfer_id: int
    record_type: str
    title: str
    plan_date: str
    office_no: str
    office_name: str
    delivered_at: dt.datetime
    state: str
    state_label: str
    file_name: str
    sheets: list[PersonSheet]


def mark_delivered(
    session: Session, settings: Settings, actor: Actor, transfer_id: int
) -> list[PersonCarePlan]:
    """Record that the sending care-management office delivered this plan to its person(s).

    Idempotent: delivering the same file again returns the existing records.
    """
    ex.require_office(actor)
    if not PLAN_OFFICE_TYPES & set(actor.service_types):
        raise ex.NotPlanOffice("交付を記録できるのは居宅介護支援・介護予防支援の事業所だけです")
    transfer = ex.load_for_party(session, actor, transfer_id)
    if (
        transfer.sender_org_id != actor.organization_id
        or transfer.sender_service_type not in PLAN_OFFICE_TYPES
    ):
        raise ex.NotPlanOffice("交付を記録できるのは、計画を作成して送信した事業所だけです")
    if transfer.record_type not in ex.PLAN_TYPES:
        raise ex.NotPlanFile(
            "交付を記録できるのは居宅サービス計画書（第1〜3表）のファイルだけです",
            details={"record_type": transfer.record_type},
        )
    view = ex.gate_transfer(session, settings, actor, transfer, "write")
    pairs = list(dict.fromkeys((p.insurer_no, p.insured_no) for p in view.persons))
    if transfer.state != ex.ACTIVE:
        raise ex.TransferInactive("差し替えられた、または取り消された計画は交付を記録できません")
    existing = {
        (d.insurer_no, d.insured_no): d
        for d in session.scalars(
            select(PersonCarePlan).where(PersonCarePlan.transfer_id == transfer.id)
        )
    }
    now = utcnow()
    out = []
    for insurer_no, insured_no in pairs:
        record = existing.get((insurer_no, insured_no))
        if record is None:
            record = PersonCarePlan(
                insurer_no=insurer_no,
                insured_no=insured_no,
                transfer_id=transfer.id,
                delivered_at=now,
                delivered_by_account=actor.account_id,
                delivered_by_name=actor.display_name,
            )
            session.add(record)
        out.append(record)
    session.flush()
    return out


def delivered_persons(session: Session, transfer_id: int) -> set[tuple[str, str]]:
    """(保険者番号, 被保険者番号) of the persons a transfer was delivered to (no gate: the
    caller has already opened the transfer)."""
    rows = session.execute(
        select(PersonCarePlan.insurer_no, PersonCarePlan.insured_no).where(
            PersonCarePlan.transfer_id == transfer_id
        )
    )
    return {(a, b) for a, b in rows}


def list_delivered_plans(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    *,
    master: ServiceCodeMaster | None = None,
) -> list[DeliveredPlan]:
    """The plans delivered (交付) to one person, newest first — for the person portal.

    Authorised and audited through ``access.open_person`` (data kind ``care_plan``, action
    ``read``): the person themself (or a proxy), their municipality, or an office assigned to
    them; anyone else gets ``AccessDenied``. Each plan carries only this person's rows, as
    ``PersonSheet`` objects (sections of label/value pairs and tables with headers and rows:
    render ``sheet.sections`` then ``sheet.tables``).
    """
    access.open_kind(session, settings, actor, insurer_no, insured_no, ex.DATA_KIND, "read")
    rows = session.execute(
        select(PersonCarePlan, CareplanTransfer, Organization.name)
        .join(CareplanTransfer, CareplanTransfer.id == PersonCarePlan.transfer_id)
        .join(Organization, Organization.id == CareplanTransfer.sender_org_id)
        .where(PersonCarePlan.insurer_no == insurer_no, PersonCarePlan.insured_no == insured_no)
        .order_by(PersonCarePlan.delivered_at.desc(), PersonCarePlan.id.desc())
    ).all()
    codes = master or default_service_codes()
    plans = []
    for delivery, transfer, office_name in rows:
        parsed = read_careplan(transfer.content, transfer.file_name)
        sheets = build_sheets(parsed, codes, person=(insurer_no, insured_no))
        keys = session.scalars(
            select(CareplanTransferPerson.join_key).where(
                CareplanTransferPerson.transfer_id == transfer.id,
                CareplanTransferPerson.insurer_no == insurer_no,
                CareplanTransferPerson.insured_no == insured_no,
            )
        ).all()
        plans.append(
            DeliveredPlan(
                delivery_id=delivery.id,
                transfer_id=transfer.id,
                record_type=transfer.record_type,
                title=LAYOUTS[transfer.record_type].name_ja,
                plan_date=min(keys, default=""),
                office_no=transfer.sender_office_no,
                office_name=office_name,
                delivered_at=delivery.delivered_at,
                state=transfer.state,
                state_label=ex.STATE_LABELS.get(transfer.state, transfer.state),
                file_name=transfer.file_name,
                sheets=sheets,
            )
        )
    return plans
