"""Appending to and verifying the audit log. Only ``access`` appends; anyone may verify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ClauseElement, Table, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

from kaigo_kiban.audit import rules
from kaigo_kiban.audit.models import AuditChainHead, AuditEvent
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.database import upsert
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.core.grants import Grant

HISTORY_KIND = "access_history"  # the data kind of a person's access history


class AuditWriteFailed(KibanError):
    code = "AUD-WRITE-FAILED"
    http_status = 503


PENDING = "kk_audit_pending"
AUDIT_TABLES = frozenset({"audit_event", "audit_chain_head"})


def append_event(session: Session, fields: dict[str, Any], *, fail: bool = False) -> None:
    """Record one event in the caller's transaction (see :func:`append_events`)."""
    append_events(session, [fields], fail=fail)


def append_events(session: Session, events: list[dict[str, Any]], *, fail: bool = False) -> None:
    """Record events, in order, in the caller's transaction: they are written to their chains
    when the transaction commits — or fails with it, so no data leaves without its record.

    Writing at commit keeps the chain head of the insurer locked only for the commit itself,
    not for the rest of the request: holding that lock while waiting for a worker thread could
    otherwise stall every request of the insurer. A read of the audit tables in the same
    transaction first writes what is pending (it sees its own events). ``fail`` injects a
    failure (tests of the "no audit, no data" rule).
    """
    if fail:
        raise AuditWriteFailed("監査ログを書き込めないため、処理を中止しました")
    session.info.setdefault(PENDING, []).extend(events)


def write_pending(session: Session) -> None:
    """Append the recorded events to their chains now."""
    events = session.info.pop(PENDING, None)
    if events:
        _write(session, events)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _write_before_audit_reads(state: ORMExecuteState) -> None:
    session = state.session
    if session.info.get(PENDING) and any(
        t.name in AUDIT_TABLES
        for t in find_tables(cast(ClauseElement, state.statement), include_joins=True)
    ):
        write_pending(session)


def _write(session: Session, events: list[dict[str, Any]]) -> None:
    """Append events to their chains. Each chain's head row is locked (``FOR UPDATE`` on
    PostgreSQL; SQLite write transactions are already exclusive) once for the batch, so
    concurrent appends are serialised and a chain never forks. Core inserts (the hot path)."""
    heads: dict[str, list[Any]] = {}  # chain -> [seq, last_hash]
    rows: list[dict[str, Any]] = []
    occurred = utcnow()
    stamp = occurred.isoformat()
    for fields in events:
        chain = fields.get("insurer_no") or "-"
        head = heads.get(chain)
        if head is None:
            head = heads[chain] = _lock_head(session, chain)
        record = {
            **dict.fromkeys(rules.HASHED_FIELDS),
            **fields,
            "chain": chain,
            "seq": head[0] + 1,
        }
        record["occurred_at"] = stamp
        digest = rules.event_hash(head[1], record)
        record.update(occurred_at=occurred, prev_hash=head[1], hash=digest)
        head[0], head[1] = record["seq"], digest
        rows.append(record)
    session.execute(insert(AuditEvent), rows)
    for chain, (seq, last_hash) in heads.items():
        session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.chain == chain)
            .values(seq=seq, last_hash=last_hash)
        )


def _lock_head(session: Session, chain: str) -> list[Any]:
    """``[seq, last_hash]`` of the chain's head, locked until the transaction ends.

    A chain's first writers race to create its head: each inserts the genesis head unless one
    exists (a concurrent inserter waits for the first to commit, then does nothing), and all
    then lock the one row — so a new chain never forks and no writer fails.
    """
    locked = (
        select(AuditChainHead.seq, AuditChainHead.last_hash)
        .where(AuditChainHead.chain == chain)
        .with_for_update()
    )
    found = session.execute(locked).first()
    if found is None:
        session.execute(
            upsert(session, cast(Table, AuditChainHead.__table__))
            .values(chain=chain, seq=0, last_hash=rules.GENESIS)
            .on_conflict_do_nothing(index_elements=["chain"])
        )
        found = session.execute(locked).one()
    return [found[0], found[1]]


def _as_fields(ev: AuditEvent) -> dict[str, Any]:
    data = {k: getattr(ev, k) for k in rules.HASHED_FIELDS}
    data["occurred_at"] = ev.occurred_at.astimezone(dt.UTC).isoformat()
    data.update(id=ev.id, prev_hash=ev.prev_hash, hash=ev.hash)
    return data


def verify_all(session: Session) -> list[rules.ChainProblem]:
    """Check every chain; one problem (the first bad event) per broken chain."""
    problems: list[rules.ChainProblem] = []
    heads = {h.chain: h for h in session.scalars(select(AuditChainHead))}
    chains = set(heads) | set(session.scalars(select(AuditEvent.chain).distinct()))
    for chain in sorted(chains):
        events = (
            _as_fields(ev)
            for ev in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.chain == chain)
                .order_by(AuditEvent.seq, AuditEvent.id)
                .execution_options(yield_per=2000)
            )
        )
        head = heads.get(chain)
        problem = rules.verify_chain(
            chain, events, {"seq": head.seq, "last_hash": head.last_hash} if head else None
        )
        if problem:
            problems.append(problem)
    return problems


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def list_person_events(
    session: Session,
    grant: Grant,
    *,
    outcome: str | None = None,
    data_kind: str | None = None,
    since: dt.date | None = None,
    limit: int = 500,
) -> Sequence[AuditEvent]:
    """Who looked at one person's data, newest first (the person's own access history)."""
    grant.require(HISTORY_KIND)
    stmt = select(AuditEvent).where(
        AuditEvent.insurer_no == grant.insurer_no, AuditEvent.insured_no == grant.insured_no
    )
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if data_kind:
        stmt = stmt.where(AuditEvent.data_kind == data_kind)
    if since:
        stmt = stmt.where(
            AuditEvent.occurred_at >= dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        )
    return session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)).all()


def event_person(session: Session, event_id: int) -> tuple[str, str] | None:
    """Whose access history one event belongs to (to open the gate for it), or None."""
    row = session.execute(
        select(AuditEvent.insurer_no, AuditEvent.insured_no).where(AuditEvent.id == event_id)
    ).first()
    if row is None or row.insurer_no is None:
        return None
    return (row.insurer_no, row.insured_no)


def person_event(session: Session, grant: Grant, event_id: int) -> AuditEvent | None:
    """One event of the person's access history."""
    grant.require(HISTORY_KIND)
    event = session.get(AuditEvent, event_id)
    if event is None or (event.insurer_no, event.insured_no) != grant.person:
        return None
    return event
