"""Mailbox bookkeeping of the care-plan exchange: errors, join keys, the access gate for the
persons of a file, and what a resend replaces and a delete file withdraws.

Join keys (DOMAIN §5.2): a plan file (第1〜3表, 補足 with 計画作成日) is keyed per person by
(保険者番号, 被保険者番号, 居宅サービス計画作成（変更）日), a usage file (第6・7表, 実績, 補足 with
対象年月) by (保険者番号, 被保険者番号, 対象年月). A transfer replaces, person by person, the
active earlier transfers of the same record type between the same two offices (office number
and service type on both sides) with the same key; a transfer none of whose persons is still
active is SUPERSEDED (or WITHDRAWN when a delete file took its last person).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.careplan.models import CareplanTransfer, CareplanTransferPerson
from kaigo_kiban.codes.service_types import CARE_MGMT_TYPES
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import Conflict, InvalidInput, KibanError, NotFound, PermissionDenied
from kaigo_kiban.core.grants import Decision
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import Organization

DATA_KIND = "care_plan"
#: Default of ``settings.careplan_require_assignment``: only offices assigned to every person
#: named in a file (with the person's consent) may send or receive it.
REQUIRE_ASSIGNMENT = True

SENT, RECEIVED, IMPORTED = "SENT", "RECEIVED", "IMPORTED"
ACTIVE, SUPERSEDED, WITHDRAWN = "ACTIVE", "SUPERSEDED", "WITHDRAWN"
STATUS_LABELS = {SENT: "送信済", RECEIVED: "受信済", IMPORTED: "取込済"}
STATE_LABELS = {ACTIVE: "有効", SUPERSEDED: "差替済", WITHDRAWN: "取消済"}

PLAN_TYPES = frozenset({"UP1KYO", "UP2KYO", "UP3KYO"})
#: Files a provider sends back to the care-management office; every other file goes the
#: other way (care manager or 予防 planner → provider).
PROVIDER_TYPES = frozenset({"UPJSK", "DLTJSK"})
#: Record types each delete file withdraws (DLT1KYO cascades to 第2・3表, DLTPLAN to 第7表;
#: both also take the 利用者補足情報 sent with them, whose key is of the same kind).
DELETE_TARGETS: Mapping[str, tuple[str, ...]] = {
    "DLT1KYO": ("UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"),
    "DLTPLAN": ("UPPLAN", "UPSIKYU", "UPHOSOKU"),
    "DLTJSK": ("UPJSK",),
    "DLTKIHON": ("UPKIHON", "UPKIHON_SUB1", "UPKIHON_SUB2"),
    "DLTYOBO": ("UPYOBO", "UPYOBO_SUB"),
}
#: Gate reasons ``careplan_require_assignment = False`` waives (consent and assignment);
#: the policy (job type × service type) still applies.
WAIVABLE = frozenset(
    {
        "NO-PERSON",
        "PUBLIC-ASSISTANCE",
        "NO-CONSENT",
        "CONSENT-WITHDRAWN",
        "NO-ASSIGNMENT",
        "ASSIGNMENT-LAPSED",
        "ASSIGNMENT-ENDED",
    }
)
PUBLIC_ASSISTANCE_MESSAGE = (
    "生活保護単独（H＋9桁）の利用者は基盤に被保険者の記録がないため、"
    "担当事業所であることを確かめられません"
)


class CareplanError(KibanError):
    """Base of the care-plan exchange's business errors."""

    code = "CP-ERROR"


class NotOffice(PermissionDenied):
    code = "CP-NOT-OFFICE"


class SenderNotOwnOffice(PermissionDenied):
    code = "CP-SENDER-NOT-OWN-OFFICE"


class ReceiverUnknown(InvalidInput):
    code = "CP-RECEIVER-UNKNOWN"


class WrongDirection(InvalidInput):
    code = "CP-DIRECTION"


class FileTooLarge(InvalidInput):
    code = "CP-FILE-TOO-LARGE"


class TransferNotFound(NotFound):
    code = "CP-TRANSFER-NOT-FOUND"


class NotReceiver(PermissionDenied):
    code = "CP-NOT-RECEIVER"


class NotPlanOffice(PermissionDenied):
    code = "CP-NOT-PLAN-OFFICE"


class NotPlanFile(InvalidInput):
    code = "CP-NOT-PLAN-FILE"


class TransferInactive(Conflict):
    code = "CP-TRANSFER-INACTIVE"


class ResendOlder(Conflict):
    code = "CP-RESEND-OLDER"


@dataclass(frozen=True)
class PersonDecision:
    """The gate's decision on one person named in a file."""

    insurer_no: str
    insured_no: str
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def to_dict(self) -> dict[str, str]:
        return {
            "insurer_no": self.insurer_no,
            "insured_no": self.insured_no,
            "reason": self.decision.reason,
            "message": self.decision.message,
        }


class CareplanAccessDenied(PermissionDenied):
    """Some person of the file may not be sent or received by this office.

    The denials are audited; like ``access.AccessDenied`` the unit of work commits the audit
    rows (nothing else has been written when this is raised).
    """

    code = "CP-ACCESS-DENIED"

    def __init__(self, denied: list[PersonDecision], *, reveal: bool = True) -> None:
        message = (
            "担当事業所として登録されていない（または閲覧できない）利用者を含むため、"
            "このファイルは扱えません"
        )
        if reveal:
            names = "、".join(d.insured_no for d in denied[:5])
            details = [d.to_dict() for d in denied]
            message += f": {names}" + (" ほか" if len(denied) > 5 else "")
        else:
            # the receiver may not learn who the persons it cannot see are
            reasons = {(d.decision.reason, d.decision.message) for d in denied}
            details = [{"reason": r, "message": m} for r, m in sorted(reasons)]
        super().__init__(message, details=details)
        self.denied = denied


def require_assignment(settings: Settings) -> bool:
    """Whether every person of a file must pass the gate (``careplan_require_assignment``)."""
    return bool(getattr(settings, "careplan_require_assignment", REQUIRE_ASSIGNMENT))


def is_public_assistance(insured_no: str) -> bool:
    """生活保護単独 (H + 9 digits): no insured person on the platform."""
    return insured_no.startswith("H")


def require_office(actor: Actor) -> None:
    """Only office staff use the mailbox."""
    if actor.organization_kind != "office" or actor.organization_id is None:
        raise NotOffice("ケアプランの送受信は介護事業所の職員だけが行えます")


def authorize_persons(
    session: Session,
    settings: Settings,
    actor: Actor,
    persons: Iterable[tuple[str, str]],
    action: str,
    cache: dict[tuple[str, str], Decision] | None = None,
) -> list[PersonDecision]:
    """Ask the gate (and audit) once per distinct person; ``cache`` spans one listing."""
    cache = {} if cache is None else cache
    out = []
    for key in dict.fromkeys(persons):
        decision = cache.get(key)
        if decision is None:
            decision = access.open_person(
                session, settings, actor, *key, [DATA_KIND], action, kept=True
            ).decision(DATA_KIND)
            if not decision.allowed and is_public_assistance(key[1]):
                decision = Decision(False, "PUBLIC-ASSISTANCE", PUBLIC_ASSISTANCE_MESSAGE)
            cache[key] = decision
        out.append(PersonDecision(*key, decision))
    return out


def blocking(settings: Settings, decisions: list[PersonDecision]) -> list[PersonDecision]:
    """The denials that stop the file (all of them, or only policy ones when waived)."""
    denied = [d for d in decisions if not d.allowed]
    if require_assignment(settings):
        return denied
    return [d for d in denied if d.decision.reason not in WAIVABLE]


def require_all(
    settings: Settings, decisions: list[PersonDecision], *, reveal: bool = True
) -> None:
    """Raise ``CareplanAccessDenied`` listing every blocking denial (the persons themselves
    only when ``reveal``: to the office that wrote the file)."""
    denied = blocking(settings, decisions)
    if denied:
        raise CareplanAccessDenied(denied, reveal=reveal)


def join_key(record_type: str, fields: Mapping[str, str]) -> str:
    """The per-person join key of a row (see the module docstring); empty when unknown."""
    if record_type in PLAN_TYPES or record_type == "DLT1KYO":
        return fields.get("plan_date", "")
    if record_type == "UPHOSOKU":
        plan_date = fields.get("plan_date", "")
        return plan_date if plan_date not in ("", "00000000") else fields.get("target_month", "")
    if record_type in ("UPPLAN", "UPJSK", "UPSIKYU"):
        return fields.get("target_month", "")
    if record_type in ("DLTPLAN", "DLTJSK"):
        return fields.get("delete_month", "")
    return ""


def direction_problem(record_type: str, sender_type: str, receiver_type: str) -> str | None:
    """Why a file may not go from ``sender_type`` to ``receiver_type``, or None."""
    if record_type in PROVIDER_TYPES:
        if receiver_type not in CARE_MGMT_TYPES:
            return "実績ファイルは居宅介護支援・介護予防支援の事業所に送るものです"
        return None
    if sender_type not in CARE_MGMT_TYPES:
        return "このファイルは居宅介護支援・介護予防支援の事業所から送るものです"
    return None


def service_month(target_month: str | None, keys: Iterable[str]) -> str | None:
    """The month a transfer is filed under: its 対象年月, else its earliest 計画作成日's month."""
    if target_month and target_month != "000000":
        return target_month
    dates = sorted(k for k in keys if len(k) == 8 and k.isdigit())
    return dates[0][:6] if dates else None


#: One earlier person row a new transfer changes: (row, its transfer, new state).
Change = tuple[CareplanTransferPerson, CareplanTransfer, str]


def _matching(
    session: Session,
    transfer: CareplanTransfer,
    record_types: Iterable[str],
    key: tuple[str, str, str],
) -> list[tuple[CareplanTransferPerson, CareplanTransfer]]:
    """Active earlier person rows with ``key`` in files of ``record_types`` between the same
    two offices (``transfer`` is the new, not yet stored transfer)."""
    insurer_no, insured_no, join = key
    rows = session.execute(
        select(CareplanTransferPerson, CareplanTransfer)
        .join(CareplanTransfer, CareplanTransfer.id == CareplanTransferPerson.transfer_id)
        .where(
            CareplanTransfer.record_type.in_(list(record_types)),
            CareplanTransfer.sender_office_no == transfer.sender_office_no,
            CareplanTransfer.sender_service_type == transfer.sender_service_type,
            CareplanTransfer.receiver_office_no == transfer.receiver_office_no,
            CareplanTransfer.receiver_service_type == transfer.receiver_service_type,
            CareplanTransferPerson.insurer_no == insurer_no,
            CareplanTransferPerson.insured_no == insured_no,
            CareplanTransferPerson.join_key == join,
            CareplanTransferPerson.state == ACTIVE,
        )
    ).all()
    return [(row, t) for row, t in rows]


def plan_changes(
    session: Session, transfer: CareplanTransfer, keys: Iterable[tuple[str, str, str]]
) -> list[Change]:
    """What a new transfer will replace (same type and key) and, for a delete file, withdraw.

    Called before anything is stored. Raises ``ResendOlder`` when an active earlier transfer
    of the same key has a later ファイル連番 (a stale resend).
    """
    changes: list[Change] = []
    targets = DELETE_TARGETS.get(transfer.record_type, ())
    for key in keys:
        for row, earlier in _matching(session, transfer, (transfer.record_type,), key):
            if earlier.file_seq > transfer.file_seq:
                raise ResendOlder(
                    f"同じ利用者・同じキーのより新しいファイル（{earlier.file_name}）が"
                    "送信済みです。ファイル連番（作成日時）を確かめてください",
                    details={"transfer_id": earlier.id},
                )
            changes.append((row, earlier, SUPERSEDED))
        if targets:
            changes += [(r, t, WITHDRAWN) for r, t in _matching(session, transfer, targets, key)]
    return changes


def apply_changes(
    session: Session, transfer: CareplanTransfer, changes: list[Change]
) -> tuple[list[int], list[int]]:
    """Mark the changed person rows; a transfer left without active persons is closed.

    Returns the ids of the transfers that became SUPERSEDED and WITHDRAWN.
    """
    now = utcnow()
    touched: dict[int, tuple[CareplanTransfer, str]] = {}
    for row, earlier, state in changes:
        row.state, row.replaced_by_id = state, transfer.id
        touched[earlier.id] = (earlier, state)
    session.flush()
    closed: dict[str, list[int]] = {SUPERSEDED: [], WITHDRAWN: []}
    for earlier, state in touched.values():
        still_active = session.scalar(
            select(CareplanTransferPerson.id)
            .where(
                CareplanTransferPerson.transfer_id == earlier.id,
                CareplanTransferPerson.state == ACTIVE,
            )
            .limit(1)
        )
        if still_active is None:
            earlier.state, earlier.replaced_by_id = state, transfer.id
            earlier.state_changed_at = now
            closed[state].append(earlier.id)
    session.flush()
    return sorted(closed[SUPERSEDED]), sorted(closed[WITHDRAWN])


@dataclass
class TransferView:
    """A transfer as one office sees it: its persons, the gate's decisions, party names."""

    transfer: CareplanTransfer
    persons: list[CareplanTransferPerson]
    decisions: list[PersonDecision]
    accessible: bool
    sender_name: str = ""
    receiver_name: str = ""
    is_new: bool = False

    @property
    def denied(self) -> list[PersonDecision]:
        return [d for d in self.decisions if not d.allowed]

    @property
    def over_limit(self) -> list[CareplanTransferPerson]:
        return [p for p in self.persons if p.excess_units]


def persons_of(
    session: Session, transfer_ids: list[int]
) -> dict[int, list[CareplanTransferPerson]]:
    """The person rows of each transfer, in file order."""
    out: dict[int, list[CareplanTransferPerson]] = {i: [] for i in transfer_ids}
    if not transfer_ids:
        return out
    rows = session.scalars(
        select(CareplanTransferPerson)
        .where(CareplanTransferPerson.transfer_id.in_(transfer_ids))
        .order_by(CareplanTransferPerson.transfer_id, CareplanTransferPerson.first_line)
    )
    for row in rows:
        out[row.transfer_id].append(row)
    return out


def load_for_party(session: Session, actor: Actor, transfer_id: int) -> CareplanTransfer:
    """A transfer the actor's office sent or received; any other is "not found"."""
    require_office(actor)
    transfer = session.get(CareplanTransfer, transfer_id)
    if transfer is None or actor.organization_id not in (
        transfer.sender_org_id,
        transfer.receiver_org_id,
    ):
        raise TransferNotFound("ケアプランファイルが見つかりません", details={"id": transfer_id})
    return transfer


def org_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Organisation names by id."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    )
    return {org_id: name for org_id, name in rows}


def gate_transfer(
    session: Session, settings: Settings, actor: Actor, transfer: CareplanTransfer, action: str
) -> TransferView:
    """Every person of one transfer through the gate; raises ``CareplanAccessDenied``."""
    persons = persons_of(session, [transfer.id])[transfer.id]
    pairs = [(p.insurer_no, p.insured_no) for p in persons]
    decisions = authorize_persons(session, settings, actor, pairs, action)
    require_all(settings, decisions, reveal=actor.organization_id == transfer.sender_org_id)
    names = org_names(session, [transfer.sender_org_id, transfer.receiver_org_id])
    return TransferView(
        transfer,
        persons,
        decisions,
        True,
        names.get(transfer.sender_org_id, ""),
        names.get(transfer.receiver_org_id, ""),
    )
