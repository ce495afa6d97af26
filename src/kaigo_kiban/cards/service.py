"""Card use cases: merging a staged municipal file, and reading cards by date or history.

Reads here are raw: callers outside this area go through ``access`` so every read of a
person's cards is authorised and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Date, Table, and_, exists, func, insert, literal, or_, select, true, update
from sqlalchemy.orm import Session, aliased, object_session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards.formats import CARD_LAYOUTS
from kaigo_kiban.cards.models import (
    CardFact,
    CardRevision,
    CopayCard,
    CostCapCert,
    InsuranceCard,
    ReductionCert,
)
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.database import upsert
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import FileKind
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import InsuredPerson

CARD_MODELS: dict[str, Any] = {
    "insurance_card": InsuranceCard,
    "copay_card": CopayCard,
    "cost_cap_cert": CostCapCert,
    "reduction_cert": ReductionCert,
}
CARD_TABLES: dict[str, Table] = {k: m.__table__ for k, m in CARD_MODELS.items()}
KEY = ("insurer_no", "insured_no", "history_no")
_BOOKKEEPING = {"deleted", "source_file_id"}


def _content_columns(target: Table, staging: Table) -> list[str]:
    return [c.name for c in target.columns if c.name in staging.c and c.name not in _BOOKKEEPING]


def _key_match(a: Any, b: Any) -> Any:
    return and_(*(a.c[k] == b.c[k] for k in KEY))


def _error(line: int, code: str, message: str, value: str, file: str) -> FieldError:
    return FieldError(code=code, message=message, line=line, column=0, value=value, file=file)


def check_staged_history(
    session: Session,
    staging: Table,
    target: Table,
    content: list[str],
    *,
    key: tuple[str, ...] = KEY,
    shown: str = "insured_no",
    label: str = "履歴番号",
    check_persons: bool = True,
) -> list[FieldError]:
    """Problems of a staged history-keyed file that only the database can see.

    Duplicate keys in the file, persons without a 被保険者証 (``check_persons``), a history
    row already holding other content, corrections or deletions of a missing one. ``key``
    names the row key (ending in ``history_no``), ``shown`` the column reported before the
    履歴番号, ``label`` how the key is named in messages. Shared by every history-keyed kind.
    """
    file = staging.info["file"]
    errors: list[FieldError] = []
    s, t = staging, target

    def match(a: Any, b: Any) -> Any:
        return and_(*(a.c[k] == b.c[k] for k in key))

    dup_keys = (
        select(*(s.c[k] for k in key)).group_by(*(s.c[k] for k in key)).having(func.count() > 1)
    ).subquery()
    if session.execute(select(literal(1)).select_from(dup_keys).limit(1)).first():
        first_line = (
            select(*(s.c[k] for k in key), func.min(s.c.line_no).label("first"))
            .group_by(*(s.c[k] for k in key))
            .subquery()
        )
        rows = session.execute(
            select(s.c.line_no, s.c[shown], s.c.history_no, first_line.c.first)
            .join(first_line, match(s, first_line))
            .where(s.c.line_no != first_line.c.first)
            .order_by(s.c.line_no)
        )
        for line, shown_value, history_no, first in rows:
            errors.append(
                _error(
                    line,
                    "ING-DUPLICATE-KEY",
                    f"同じ被保険者番号・{label}の行が {first} 行目にもあります",
                    f"{shown_value}/{history_no}",
                    file,
                )
            )

    if check_persons:
        person = cast(Table, InsuredPerson.__table__)
        missing = session.execute(
            select(s.c.line_no, s.c.insured_no)
            .where(
                ~exists().where(
                    person.c.insurer_no == s.c.insurer_no, person.c.insured_no == s.c.insured_no
                )
            )
            .order_by(s.c.line_no)
        )
        errors.extend(
            _error(
                line,
                "ING-UNKNOWN-PERSON",
                "被保険者証が未登録の被保険者です (先に被保険者証を送信してください)",
                insured_no,
                file,
            )
            for line, insured_no in missing
        )

    same = and_(*(s.c[c].is_not_distinct_from(t.c[c]) for c in content))
    plain = s.c.correction_kind.is_(None)
    for line, shown_value, history_no in session.execute(
        select(s.c.line_no, s.c[shown], s.c.history_no)
        .join(t, match(s, t))
        .where(plain, ~same)
        .order_by(s.c.line_no)
    ):
        errors.append(
            _error(
                line,
                "ING-HISTORY-EXISTS",
                f"この{label}は別の内容で登録済みです (変更は新しい履歴番号、誤りの修正は訂正区分=2で送信してください)",
                f"{shown_value}/{history_no}",
                file,
            )
        )
    for line, shown_value, history_no in session.execute(
        select(s.c.line_no, s.c[shown], s.c.history_no)
        .where(~plain, ~exists().where(match(s, t)))
        .order_by(s.c.line_no)
    ):
        errors.append(
            _error(
                line,
                "ING-HISTORY-MISSING",
                f"訂正・削除の対象となる{label}が登録されていません",
                f"{shown_value}/{history_no}",
                file,
            )
        )
    return errors


def merge_card_file(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge one staged card file into its table (see module docstring of ``cards.models``).

    Checks done here need the database (``check_staged_history``); returns every problem
    found, and the caller rolls back when there is any.
    """
    kind = staging.info["kind"]
    s, t = staging, CARD_TABLES[kind]
    content = _content_columns(t, s)
    plain = s.c.correction_kind.is_(None)
    # The 被保険者証 creates the person, so only the other cards need one already.
    errors = check_staged_history(session, s, t, content, check_persons=kind != "insurance_card")
    if errors:
        return errors

    columns = [*content, "deleted", "source_file_id"]
    session.execute(
        insert(t).from_select(
            columns,
            select(*(s.c[c] for c in content), literal(False), literal(file_id)).where(
                plain, ~exists().where(_key_match(s, t))
            ),
        )
    )
    apply_corrections(session, s, t, content, file_id, revision=CardRevision, card_kind=t.name)
    if kind == "insurance_card":
        refresh_persons(session, s)
        resolve_facts(session, s, file_id)
    return []


def apply_corrections(
    session: Session,
    s: Table,
    t: Table,
    content: list[str],
    file_id: int,
    *,
    revision: type[Any],
    key: tuple[str, ...] = KEY,
    **revision_fields: Any,
) -> None:
    """Apply the staged corrections (訂正区分 2) and deletions (3) to ``t`` in file order,
    keeping each replaced version as a ``revision`` row (its key columns, ``revision_fields``,
    the old content as JSON). Shared by every history-keyed kind."""
    now = utcnow()
    rows = session.execute(
        select(s).where(s.c.correction_kind.is_not(None)).order_by(s.c.line_no)
    ).mappings()
    for row in rows:
        match = and_(*(t.c[k] == row[k] for k in key))
        old = session.execute(select(t).where(match)).mappings().one()
        session.add(
            revision(
                **{k: row[k] for k in key},
                **revision_fields,
                content={
                    k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in old.items()
                },
                replaced_by_file_id=file_id,
                replaced_at=now,
            )
        )
        if row["correction_kind"] == "3":
            values: dict[str, Any] = {"deleted": True, "source_file_id": file_id}
        else:
            values = {c: row[c] for c in content if c not in key}
            values.update(deleted=False, source_file_id=file_id)
        session.execute(update(t).where(match).values(**values))
    session.flush()


def refresh_persons(session: Session, staging: Table) -> None:
    """Re-derive the registry rows of the persons in ``staging`` from their newest live card."""
    t = CARD_TABLES["insurance_card"]
    person = cast(Table, InsuredPerson.__table__)
    s = staging
    fields = [
        "name_kanji",
        "name_kana",
        "birth_date",
        "sex",
        "postal_code",
        "address",
        "qualified_on",
        "disqualified_on",
    ]
    # The newest live 履歴番号 of each person of the file (one grouped pass driven by the
    # distinct persons, each lookup by the card primary key), then that card by primary key.
    persons = select(s.c.insurer_no, s.c.insured_no).distinct().subquery("persons")
    latest = (
        select(t.c.insurer_no, t.c.insured_no, func.max(t.c.history_no).label("history_no"))
        .select_from(persons)
        .join(
            t, (t.c.insurer_no == persons.c.insurer_no) & (t.c.insured_no == persons.c.insured_no)
        )
        .where(t.c.deleted.is_(False))
        .group_by(t.c.insurer_no, t.c.insured_no)
        .subquery("latest")
    )
    source = (
        select(t.c.insurer_no, t.c.insured_no, *(t.c[f] for f in fields), t.c.history_no)
        .select_from(latest)
        .join(t, _key_match(t, latest))
        .where(true())  # SQLite: an upsert's SELECT needs a WHERE (parsing ambiguity)
    )
    stmt = upsert(session, person).from_select(
        ["insurer_no", "insured_no", *fields, "latest_history_no"], source
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["insurer_no", "insured_no"],
        set_={
            **{f: stmt.excluded[f] for f in fields},
            "latest_history_no": stmt.excluded.latest_history_no,
        },
    )
    session.execute(stmt)


def valid_on_clause(model: Any, day: dt.date) -> Any:
    """The SQL condition "this card row is live and valid on ``day``"."""
    cond = [
        model.deleted.is_(False),
        model.valid_from <= day,
        or_(model.valid_to.is_(None), model.valid_to >= day),
    ]
    if model is InsuranceCard:
        cond.append(or_(model.disqualified_on.is_(None), model.disqualified_on > day))
    return and_(true(), *cond)


def superseded_clause(model: Any, day: dt.date) -> Any:
    """The SQL condition "a newer live 履歴番号 supersedes this row on ``day``": a newer row that
    has started by ``day`` and either still runs on ``day`` or started no earlier than this row
    (a newer version replaces the rest of an older one, open-ended or not; docs/interface.md)."""
    newer = aliased(model)
    return exists().where(
        newer.insurer_no == model.insurer_no,
        newer.insured_no == model.insured_no,
        newer.history_no > model.history_no,
        newer.deleted.is_(False),
        newer.valid_from <= day,
        or_(newer.valid_to.is_(None), newer.valid_to >= day, newer.valid_from >= model.valid_from),
    )


def _municipal_card_on(
    session: Session, kind: str, insurer_no: str, insured_no: str, day: dt.date
) -> Any | None:
    model = CARD_MODELS[kind]
    return session.scalars(
        select(model)
        .where(model.insurer_no == insurer_no, model.insured_no == insured_no)
        .where(valid_on_clause(model, day), ~superseded_clause(model, day))
        .order_by(model.history_no.desc())
        .limit(1)
    ).first()


def _card_valid_on(
    session: Session, kind: str, insurer_no: str, insured_no: str, day: dt.date
) -> Any | None:
    card = _municipal_card_on(session, kind, insurer_no, insured_no, day)
    if kind != "insurance_card":
        return card
    return _with_facts(session, card, insurer_no, insured_no, day)


def find_card_valid_on(session: Session, grant: Grant, kind: str, day: dt.date) -> Any | None:
    """The card of ``kind`` valid on ``day``: the live row covering ``day`` that no newer
    履歴番号 supersedes (docs/interface.md, "The card valid on date D")."""
    grant.require(kind)
    return _card_valid_on(session, kind, grant.insurer_no, grant.insured_no, day)


ALLOWANCE_FACT_KINDS = frozenset({"insurance_card", "home_modification"})


def _allowance_card(session: Session, grant: Grant, day: dt.date) -> Any | None:
    if not grant.kinds & ALLOWANCE_FACT_KINDS:
        grant.require("insurance_card")
    return _card_valid_on(session, "insurance_card", grant.insurer_no, grant.insured_no, day)


def care_level_on(session: Session, grant: Grant, day: dt.date) -> str | None:
    """The 要介護状態区分 of the 被保険者証 valid on ``day``. Part of the card, and also a fact of
    the 住宅改修 rule (the 3-level reset), so a grant for either kind reads it (nothing else)."""
    card = _allowance_card(session, grant, day)
    return card.care_level if card is not None else None


def address_on(session: Session, grant: Grant, day: dt.date) -> str | None:
    """The 住所 of the 被保険者証 valid on ``day`` (spaces removed), or None. Also a fact of the
    住宅改修 rule (a 転居 opens a new allowance), so a grant for either kind reads it."""
    card = _allowance_card(session, grant, day)
    if card is None or not card.address:
        return None
    return "".join(card.address.split())


def list_card_history(session: Session, grant: Grant, kind: str) -> list[Any]:
    """Every version of a card (deleted ones included), newest 履歴番号 first."""
    grant.require(kind)
    model = CARD_MODELS[kind]
    return list(
        session.scalars(
            select(model)
            .where(model.insurer_no == grant.insurer_no, model.insured_no == grant.insured_no)
            .order_by(model.history_no.desc())
        )
    )


def cards_during(
    session: Session, grant: Grant, kind: str, first: dt.date, last: dt.date
) -> list[Any]:
    """The cards of ``kind`` valid at some time from ``first`` to ``last``: the one valid on
    ``first``, then the one valid on each later day on which a card starts (in day order,
    each card once)."""
    grant.require(kind)
    model = CARD_MODELS[kind]
    change_days = session.scalars(
        select(model.valid_from).where(
            model.insurer_no == grant.insurer_no,
            model.insured_no == grant.insured_no,
            model.deleted.is_(False),
            model.valid_from > first,
            model.valid_from <= last,
        )
    ).all()
    found: list[Any] = []
    for day in sorted({first, *change_days}):
        card = _card_valid_on(session, kind, grant.insurer_no, grant.insured_no, day)
        if card is not None and card not in found:
            found.append(card)
    return found


CARD_LABELS = {
    "insurance_card": "被保険者証",
    "copay_card": "負担割合証",
    "cost_cap_cert": "負担限度額認定証",
    "reduction_cert": "減免減額認定証",
}


def read_cards(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    as_of: dt.date,
    *,
    with_history: bool = False,
) -> dict[str, Any]:
    """The person's cards valid on ``as_of`` (and their history), each kind authorised and audited.

    The 被保険者証 decides whether the actor may see the person at all (a denial raises);
    the other kinds the actor may not see are reported as ``denied`` with the reason.
    """
    grant = access.open_person(
        session, settings, actor, insurer_no, insured_no, list(CARD_MODELS), gate="insurance_card"
    )
    result: dict[str, Any] = {}
    for kind in CARD_MODELS:
        if (refusal := grant.refused.get(kind)) is not None:
            result[kind] = {"denied": {"code": refusal.reason, "message": refusal.message}}
            continue
        entry: dict[str, Any] = {"current": find_card_valid_on(session, grant, kind, as_of)}
        if with_history:
            entry["history"] = list_card_history(session, grant, kind)
            if kind == "insurance_card" and actor.groups == ("municipality",):
                entry["conflicts"] = contradicted_facts(session, insurer_no, insured_no)
        result[kind] = entry
    return result


def lookup_for_office(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    birth_date: dt.date,
    as_of: dt.date,
) -> tuple[InsuredPerson, dict[str, Any]]:
    """Office lookup of one person of one insurer (保険者番号 + 被保険者番号: the number is
    unique only within its insurer) confirmed by the 生年月日, so numbers cannot be enumerated.

    A number whose birth date does not match is treated exactly like an unknown number: denied
    and audited, with the same message.
    """
    person = session.get(InsuredPerson, (insurer_no, insured_no))
    if person is None or person.birth_date != birth_date:
        access.open_kind(session, settings, actor, None, insured_no, "insurance_card")
        raise AssertionError("unreachable: the gate denies an unknown person")
    data = read_cards(session, settings, actor, insurer_no, insured_no, as_of, with_history=True)
    return person, data


# --- facts the platform derives (apart from the municipal 履歴番号) -------------------------------


def _newest_live_card(
    session: Session, insurer_no: str, insured_no: str, started_by: dt.date | None = None
) -> InsuranceCard | None:
    """The person's live 被保険者証 row with the highest 履歴番号 (of those started by
    ``started_by`` and still qualified on it, when given): what a derived fact is based on."""
    stmt = select(InsuranceCard).where(
        InsuranceCard.insurer_no == insurer_no,
        InsuranceCard.insured_no == insured_no,
        InsuranceCard.deleted.is_(False),
    )
    if started_by is not None:
        stmt = stmt.where(
            InsuranceCard.valid_from <= started_by,
            or_(
                InsuranceCard.disqualified_on.is_(None),
                InsuranceCard.disqualified_on > started_by,
            ),
        )
    return session.scalars(stmt.order_by(InsuranceCard.history_no.desc()).limit(1)).first()


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _column_value(column: str, value: Any) -> Any:
    if value is not None and isinstance(InsuranceCard.__table__.c[column].type, Date):
        return dt.date.fromisoformat(value)
    return value


def record_fact(
    session: Session,
    insurer_no: str,
    insured_no: str,
    *,
    source_ref: str,
    source_label: str,
    valid_from: dt.date,
    changes: dict[str, Any],
) -> CardFact | None:
    """Record (or, from the same source, replace) what the platform derived about the person's
    被保険者証, from ``valid_from``. It ends where the newest live municipal row ends, when that is
    later; else it is open. None when the person has no live 被保険者証 to derive from."""
    latest = _newest_live_card(session, insurer_no, insured_no)
    if latest is None:
        return None
    fact = session.scalar(select(CardFact).where(CardFact.source_ref == source_ref))
    if fact is None:
        fact = CardFact(source_ref=source_ref)
        session.add(fact)
    fact.insurer_no, fact.insured_no, fact.source_label = insurer_no, insured_no, source_label
    fact.valid_from = valid_from
    fact.valid_to = latest.valid_to if latest.valid_to and latest.valid_to >= valid_from else None
    fact.changes = {k: _json_value(v) for k, v in changes.items()}
    fact.created_at = utcnow()
    fact.resolution = fact.resolved_at = fact.resolved_by_file_id = None
    session.flush()
    return fact


def shown_history_no(fact: CardFact) -> int | None:
    """The 履歴番号 of the municipal 被保険者証 a new fact is shown over on its first day."""
    session = object_session(fact)
    assert session is not None
    card = _card_valid_on(
        session, "insurance_card", fact.insurer_no, fact.insured_no, fact.valid_from
    )
    return card.history_no if card is not None else None


def retract_fact(session: Session, source_ref: str) -> bool:
    """The source of a derived fact was deleted or no longer gives it: the fact goes too."""
    fact = session.scalar(select(CardFact).where(CardFact.source_ref == source_ref))
    if fact is None:
        return False
    session.delete(fact)
    session.flush()
    return True


def _facts_on(session: Session, insurer_no: str, insured_no: str, day: dt.date) -> list[CardFact]:
    return list(
        session.scalars(
            select(CardFact)
            .where(
                CardFact.insurer_no == insurer_no,
                CardFact.insured_no == insured_no,
                CardFact.resolution.is_(None),
                CardFact.valid_from <= day,
                or_(CardFact.valid_to.is_(None), CardFact.valid_to >= day),
            )
            .order_by(CardFact.valid_from, CardFact.id)
        )
    )


def _with_facts(
    session: Session, card: Any | None, insurer_no: str, insured_no: str, day: dt.date
) -> Any | None:
    """The 被保険者証 on ``day`` as shown: the municipal card with the platform's unresolved
    facts of that day applied over it (a copy, never stored), each fact named in
    ``platform_facts``. Precedence: a derived fact over the municipal row it was derived from,
    until a later municipal file resolves it."""
    facts = _facts_on(session, insurer_no, insured_no, day)
    if not facts:
        return card
    # When no municipal row covers the day, the fact runs on past the row it was derived from.
    base = card or _newest_live_card(session, insurer_no, insured_no, started_by=day)
    if base is None:
        return None
    shown = InsuranceCard(
        **{c.name: getattr(base, c.name) for c in CARD_TABLES["insurance_card"].c}
    )
    for fact in facts:
        for column, value in fact.changes.items():
            setattr(shown, column, _column_value(column, value))
        shown.valid_from, shown.valid_to = fact.valid_from, fact.valid_to
    setattr(shown, "platform_facts", tuple(facts))  # noqa: B010 - not a mapped column
    return shown


def resolve_facts(session: Session, staging: Table, file_id: int) -> None:
    """A municipal 被保険者証 file resolves the platform's facts of the persons in it: a new or
    corrected row that covers a fact's first day, or starts after it, confirms the fact when it
    agrees (``_agrees``) and contradicts it otherwise. Either way the municipal row is what
    shows from then on."""
    s = staging
    pending = session.scalars(
        select(CardFact).where(
            CardFact.resolution.is_(None),
            exists().where(
                s.c.insurer_no == CardFact.insurer_no, s.c.insured_no == CardFact.insured_no
            ),
        )
    ).all()
    now = utcnow()
    for fact in pending:
        rows = (
            session.execute(
                select(s).where(
                    s.c.insurer_no == fact.insurer_no,
                    s.c.insured_no == fact.insured_no,
                    or_(s.c.correction_kind.is_(None), s.c.correction_kind != "3"),
                    or_(
                        s.c.valid_from >= fact.valid_from,
                        and_(
                            s.c.valid_from <= fact.valid_from,
                            or_(s.c.valid_to.is_(None), s.c.valid_to >= fact.valid_from),
                        ),
                    ),
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            continue
        same = any(_agrees(row, fact.changes) for row in rows)
        fact.resolution = "confirmed" if same else "contradicted"
        fact.resolved_at, fact.resolved_by_file_id = now, file_id
    session.flush()


def _agrees(row: Any, changes: dict[str, Any]) -> bool:
    """The municipal row says what the fact says: every field the fact sets that the row fills
    has the same value (a blank cell says nothing)."""
    return all(
        row.get(column) is None or row.get(column) == _column_value(column, value)
        for column, value in changes.items()
    )


def contradicted_facts(
    session: Session, insurer_no: str, insured_no: str | None = None
) -> list[CardFact]:
    """The insurer's (or one person's) derived facts that a later municipal file contradicted,
    newest first: the municipality reviews them (its file or the platform's derivation is
    wrong). Shown on the municipal card page of the person, after the gate."""
    stmt = select(CardFact).where(
        CardFact.insurer_no == insurer_no, CardFact.resolution == "contradicted"
    )
    if insured_no is not None:
        stmt = stmt.where(CardFact.insured_no == insured_no)
    return list(session.scalars(stmt.order_by(CardFact.resolved_at.desc(), CardFact.id.desc())))


def contradicted_count(session: Session, insurer_no: str) -> int:
    """How many of the insurer's derived facts its files contradicted (no personal data)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CardFact)
            .where(CardFact.insurer_no == insurer_no, CardFact.resolution == "contradicted")
        )
        or 0
    )


def apply_certification_result(
    session: Session,
    insurer_no: str,
    insured_no: str,
    care_level: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    limit_units: int | None,
    *,
    source_ref: str,
) -> CardFact | None:
    """A certification decision reaches the card as a derived fact (``record_fact``): the new
    要介護状態区分, 認定有効期間 (``valid_from``–``valid_to``) and 区分支給限度基準額 (also its 適用期間),
    from ``valid_from``, so the previous card stays current until then. ``source_ref`` names the
    result (a corrected result replaces its fact, a deleted one retracts it)."""
    changes: dict[str, Any] = {
        "care_level": care_level,
        "cert_valid_from": valid_from if valid_to else None,
        "cert_valid_to": valid_to,
        "benefit_limit_units": limit_units,
        "limit_valid_from": valid_from if limit_units else None,
        "limit_valid_to": valid_to if limit_units else None,
    }
    latest = _newest_live_card(session, insurer_no, insured_no)
    if latest is not None and latest.application_status == "2":  # 申請中 → 決定済み
        changes["application_status"] = "3"
    return record_fact(
        session,
        insurer_no,
        insured_no,
        source_ref=source_ref,
        source_label="認定結果",
        valid_from=valid_from,
        changes=changes,
    )


def apply_plan_notification(
    session: Session,
    insurer_no: str,
    insured_no: str,
    plan_office_no: str,
    notified_on: dt.date,
    plan_kind: str,
    plan_valid_from: dt.date,
    *,
    source_ref: str,
) -> CardFact | None:
    """An accepted 居宅サービス計画作成依頼届出 reaches the card as a derived fact: the
    居宅介護支援事業所番号, 計画作成区分, 適用開始日 and 届出年月日, from ``plan_valid_from``."""
    changes = {
        "plan_kind": plan_kind,
        "plan_office_no": plan_office_no,
        "plan_valid_from": plan_valid_from,
        "plan_valid_to": None,
        "plan_notified_on": notified_on,
    }
    return record_fact(
        session,
        insurer_no,
        insured_no,
        source_ref=source_ref,
        source_label="居宅サービス計画作成依頼届出",
        valid_from=plan_valid_from,
        changes=changes,
    )


RENEWAL_WINDOW_DAYS = 60  # 更新申請 can be made from 60 days before the 認定有効期間 ends


@dataclass(frozen=True)
class RenewalDue:
    """A person whose 認定有効期間 ends soon: the care manager helps with the 更新申請."""

    insurer_no: str
    insured_no: str
    care_level: str | None
    cert_valid_to: dt.date
    days_left: int
    person: InsuredPerson | None  # the registry row (for the name shown)


def renewals_due(
    session: Session, grants: Sequence[Grant], today: dt.date, window: int = RENEWAL_WINDOW_DAYS
) -> list[RenewalDue]:
    """Of the persons the grants open (``insurance_card``), those whose 認定有効期間 on the card
    valid today ends within ``window`` days (today included), soonest first; a renewal already
    applied for (申請中) is left out."""
    due = []
    for grant in grants:
        card = find_card_valid_on(session, grant, "insurance_card", today)
        if card is None or card.cert_valid_to is None or card.application_status == "2":
            continue
        days_left = (card.cert_valid_to - today).days
        if 0 <= days_left <= window:
            due.append(
                RenewalDue(
                    grant.insurer_no,
                    grant.insured_no,
                    card.care_level,
                    card.cert_valid_to,
                    days_left,
                    session.get(InsuredPerson, grant.person),
                )
            )
    return sorted(due, key=lambda r: (r.days_left, r.insurer_no, r.insured_no))


def insurer_renewals_due(
    session: Session,
    settings: Settings,
    actor: Actor,
    today: dt.date,
    *,
    window: int = RENEWAL_WINDOW_DAYS,
    limit: int = 200,
) -> list[RenewalDue]:
    """For the municipality: its persons whose 認定有効期間 ends within ``window`` days (the first
    ``limit`` candidates by end date), each listed through the gate and audited."""
    end = today + dt.timedelta(days=window)
    candidates = session.execute(
        select(InsuranceCard.insurer_no, InsuranceCard.insured_no)
        .where(
            InsuranceCard.insurer_no == (actor.insurer_no or ""),
            InsuranceCard.deleted.is_(False),
            InsuranceCard.cert_valid_to >= today,
            InsuranceCard.cert_valid_to <= end,
        )
        .group_by(InsuranceCard.insurer_no, InsuranceCard.insured_no)
        .order_by(func.min(InsuranceCard.cert_valid_to))
        .limit(limit)
    ).all()
    grants = [
        grant
        for insurer_no, insured_no in candidates
        if (
            grant := access.open_person(
                session, settings, actor, insurer_no, insured_no, ["insurance_card"], "list"
            )
        ).allows("insurance_card")
    ]
    return renewals_due(session, grants, today, window)


def search_persons(
    session: Session, settings: Settings, actor: Actor, query: str, limit: int = 50
) -> list[InsuredPerson]:
    """Search within the actor's insurer; every person shown in the results is authorised and audited."""
    found = registry.search_persons(session, actor.insurer_no or "", query, limit)
    return access.visible_persons(session, settings, actor, list(found))


# The municipal file kinds cards owns (for ``app.intake``): the four 証.
FILE_KINDS: tuple[FileKind, ...] = tuple(
    (layout, CARD_TABLES[layout.kind], merge_card_file) for layout in CARD_LAYOUTS
)
