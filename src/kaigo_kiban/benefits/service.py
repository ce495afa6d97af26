"""Usage of 住宅改修費 and 福祉用具購入費: merging municipal files, flags, and authorised reads.

Merging follows the card files (``cards.service.merge_card_file``): set-based checks against a
staging table, then insert, then corrections. Afterwards every person named in the file is
replayed through the pure allowance rules, and records that go past their allowance are
flagged — accepted, never refused, because the municipality decides the payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import Table, and_, exists, insert, literal, select, update
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.rules import DATA_KINDS
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.benefits import rules
from kaigo_kiban.benefits.formats import EQUIPMENT_ITEMS, EQUIPMENT_PURCHASE, HOME_MODIFICATION
from kaigo_kiban.benefits.models import EquipmentPurchase, HomeModification, UsageRevision
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import FileKind

USAGE_MODELS: dict[str, Any] = {
    "home_modification": HomeModification,
    "equipment_purchase": EquipmentPurchase,
}
USAGE_KINDS = tuple(USAGE_MODELS)
KEY = ("insurer_no", "insured_no", "record_no", "history_no")
_BOOKKEEPING = {"deleted", "source_file_id", "exceeds", "excess_yen", "allowance_note"}


def _key_match(a: Any, b: Any) -> Any:
    return and_(*(a.c[k] == b.c[k] for k in KEY))


def merge_usage_file(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge one staged 住宅改修費 / 福祉用具購入費 file, then re-flag the persons it names."""
    kind = staging.info["kind"]
    model = USAGE_MODELS[kind]
    s, t = staging, model.__table__
    content = [c.name for c in t.columns if c.name in s.c and c.name not in _BOOKKEEPING]
    errors = cards.check_staged_history(
        session, s, t, content, key=KEY, shown="record_no", label="整理番号・履歴番号"
    )
    if errors:
        return errors
    columns = [*content, "deleted", "source_file_id", "exceeds", "excess_yen"]
    session.execute(
        insert(t).from_select(
            columns,
            select(
                *(s.c[c] for c in content),
                literal(False),
                literal(file_id),
                literal(False),
                literal(0),
            ).where(s.c.correction_kind.is_(None), ~exists().where(_key_match(s, t))),
        )
    )
    cards.apply_corrections(
        session, s, t, content, file_id, revision=UsageRevision, key=KEY, kind=kind
    )
    persons = session.execute(select(s.c.insurer_no, s.c.insured_no).distinct()).all()
    for insurer_no, insured_no in persons:
        reflag_person(session, kind, insurer_no, insured_no)
    return []


# --- current records and flags -----------------------------------------------------------------


def current_records(session: Session, grant: Grant, kind: str) -> list[Any]:
    """The current version of each record (live row with the highest 履歴番号), in replay order."""
    grant.require(kind)
    return _current_records(session, kind, grant.insurer_no, grant.insured_no)


def _current_records(session: Session, kind: str, insurer_no: str, insured_no: str) -> list[Any]:
    model = USAGE_MODELS[kind]
    rows = session.scalars(
        select(model)
        .where(
            model.insurer_no == insurer_no,
            model.insured_no == insured_no,
            model.deleted.is_(False),
        )
        .order_by(model.record_no, model.history_no.desc())
    ).all()
    latest: dict[str, Any] = {}
    for row in rows:
        latest.setdefault(row.record_no, row)
    return sorted(latest.values(), key=lambda r: (r.used_on, r.record_no))


def _usage(row: Any) -> rules.UsageRecord:
    return rules.UsageRecord(
        item_code=getattr(row, "item_code", None),
        used_on=row.used_on,
        cost_yen=row.cost_yen,
        paid_yen=row.paid_yen,
        residence_id=getattr(row, "residence_id", None),
        care_level=getattr(row, "care_level", None),
    )


def reflag_person(session: Session, kind: str, insurer_no: str, insured_no: str) -> None:
    """Replay the person's current records and flag each one that exceeds what remained."""
    model = USAGE_MODELS[kind]
    session.execute(
        update(model)
        .where(model.insurer_no == insurer_no, model.insured_no == insured_no)
        .values(exceeds=False, excess_yen=0, allowance_note=None)
    )
    records = _current_records(session, kind, insurer_no, insured_no)
    check = (
        rules.check_home_modification
        if kind == "home_modification"
        else rules.check_equipment_purchase
    )
    history: list[rules.UsageRecord] = []
    for row in records:
        usage = _usage(row)
        result = check(history, usage)
        row.exceeds, row.excess_yen = result.exceeds, result.excess_yen
        notes = [n.message for n in result.notes if n.code != "BN-ALREADY-OVER"]
        row.allowance_note = "、".join(notes)[:400] or None
        history.append(usage)
    session.flush()


# --- authorised reads --------------------------------------------------------------------------


@dataclass
class UsageLine:
    record_no: str
    history_no: int
    used_on: dt.date
    cost_yen: int
    paid_yen: int | None
    label: str
    residence_id: str | None
    exceeds: bool
    excess_yen: int
    note: str | None


@dataclass
class AllowanceView:
    """One allowance as a reader may see it (or why they may not)."""

    kind: str
    label: str
    allowed: bool = True
    denied_code: str | None = None
    denied_message: str | None = None
    allowance_yen: int = 0
    used_yen: int = 0
    remaining_yen: int = 0
    period: str = ""
    notes: list[str] = field(default_factory=list)
    records: list[UsageLine] = field(default_factory=list)

    @property
    def over_yen(self) -> int:
        return max(0, self.used_yen - self.allowance_yen)

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.records if r.exceeds)


@dataclass
class UsageSummary:
    insurer_no: str
    insured_no: str
    as_of: dt.date
    kinds: dict[str, AllowanceView]


def _line(kind: str, row: Any) -> UsageLine:
    if kind == "home_modification":
        label = row.description or "住宅改修"
    else:
        label = EQUIPMENT_ITEMS.get(row.item_code, row.item_code)
        if row.item_name:
            label = f"{label}（{row.item_name}）"
    return UsageLine(
        record_no=row.record_no,
        history_no=row.history_no,
        used_on=row.used_on,
        cost_yen=row.cost_yen,
        paid_yen=row.paid_yen,
        label=label,
        residence_id=getattr(row, "residence_id", None),
        exceeds=row.exceeds,
        excess_yen=row.excess_yen,
        note=row.allowance_note,
    )


def _status(
    session: Session, grant: Grant, kind: str, rows: list[Any], day: dt.date
) -> rules.AllowanceResult:
    history = [_usage(r) for r in rows]
    if kind == "equipment_purchase":
        return rules.equipment_purchase_status(history, rules.fiscal_year(day), on=day)
    if not rows:
        return rules.AllowanceResult(
            rules.HOME_MODIFICATION_ALLOWANCE_YEN,
            0,
            rules.HOME_MODIFICATION_ALLOWANCE_YEN,
            "現在の住居",
        )
    # The dwelling is the 被保険者証's address (its history follows a 転居): each modification
    # counts at the address the card showed on its day, and today's address is where the person
    # lives now. Without an address on the card the municipality's 住居識別番号 stands in, and the
    # person is taken to live where the latest modification was made.
    here = cards.address_on(session, grant, day)
    if here is not None:
        history = [
            replace(u, residence_id=cards.address_on(session, grant, u.used_on) or u.residence_id)
            for u in history
        ]
    residence = here or rows[-1].residence_id
    level = cards.care_level_on(session, grant, day)
    return rules.home_modification_status(history, residence_id=residence, care_level=level, on=day)


def usage_summary(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    *,
    as_of: dt.date | None = None,
    kinds: tuple[str, ...] = USAGE_KINDS,
) -> UsageSummary:
    """Used and remaining amounts of both allowances, each kind authorised and audited.

    A kind the actor may not read is returned with ``allowed=False`` and the reason; when no
    requested kind is readable the first denial is raised (so an office without consent gets
    the gate's message, not an empty answer). The gate checks a proxy's grant too.
    """
    day = as_of or today_jst()
    views: dict[str, AllowanceView] = {}
    grant = access.open_person(session, settings, actor, insurer_no, insured_no, list(kinds))
    for kind in kinds:
        view = AllowanceView(kind=kind, label=DATA_KINDS[kind])
        if (refusal := grant.refused.get(kind)) is not None:
            view.allowed, view.denied_code = False, f"ACCESS-{refusal.reason}"
            view.denied_message = refusal.message
            views[kind] = view
            continue
        rows = current_records(session, grant, kind)
        status = _status(session, grant, kind, rows, day)
        view.allowance_yen = status.allowance_yen
        view.used_yen, view.remaining_yen = status.used_yen, status.remaining_yen
        view.period = status.period
        view.notes = [n.message for n in status.notes]
        view.records = [_line(kind, r) for r in reversed(rows)]
        views[kind] = view
    if kinds and not grant.kinds:
        raise access.AccessDenied(grant.refused[kinds[0]])
    return UsageSummary(insurer_no, insured_no, day, views)


# The municipal file kinds benefits owns (for ``app.intake``).
FILE_KINDS: tuple[FileKind, ...] = (
    (HOME_MODIFICATION, cast(Table, HomeModification.__table__), merge_usage_file),
    (EQUIPMENT_PURCHASE, cast(Table, EquipmentPurchase.__table__), merge_usage_file),
)
