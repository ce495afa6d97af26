"""Appending to and verifying the audit log. Only ``access`` appends; anyone may verify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kaigo_kiban.audit import rules
from kaigo_kiban.audit.models import AuditChainHead, AuditEvent
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import KibanError


class AuditWriteFailed(KibanError):
    code = "AUD-WRITE-FAILED"
    http_status = 503


def append_event(session: Session, fields: dict[str, Any], *, fail: bool = False) -> AuditEvent:
    """Append one event to its chain inside the caller's transaction (see :func:`append_events`)."""
    return append_events(session, [fields], fail=fail)[0]


def append_events(
    session: Session, events: list[dict[str, Any]], *, fail: bool = False
) -> list[AuditEvent]:
    """Append events, in order, to their chains inside the caller's transaction.

    Each chain's head row is locked (``FOR UPDATE`` on PostgreSQL; SQLite write transactions are
    already exclusive) once for the batch, so concurrent appends are serialised and a chain never
    forks. ``fail`` injects a failure (tests of the "no audit, no data" rule).
    """
    if fail:
        raise AuditWriteFailed("監査ログを書き込めないため、処理を中止しました")
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(AuditChainHead)
    heads: dict[str, AuditChainHead] = {}
    written: list[AuditEvent] = []
    occurred = utcnow()
    for fields in events:
        chain = fields.get("insurer_no") or "-"
        head = heads.get(chain)
        if head is None:
            session.execute(
                ins.values(chain=chain, seq=0, last_hash=rules.GENESIS).on_conflict_do_nothing(
                    index_elements=["chain"]
                )
            )
            head = session.execute(
                select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update()
            ).scalar_one()
            heads[chain] = head
        record = {
            **dict.fromkeys(rules.HASHED_FIELDS),
            **fields,
            "chain": chain,
            "seq": head.seq + 1,
            "occurred_at": occurred.isoformat(),
        }
        record["hash"] = rules.event_hash(head.last_hash, record)
        event = AuditEvent(
            **{k: v for k, v in record.items() if k != "occurred_at"},
            occurred_at=occurred,
            prev_hash=head.last_hash,
        )
        session.add(event)
        head.seq = record["seq"]
        head.last_hash = record["hash"]
        written.append(event)
    session.flush()
    return written


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
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def list_person_events(
    session: Session,
    insurer_no: str,
    insured_no: str,
    *,
    outcome: str | None = None,
    data_kind: str | None = None,
    since: dt.date | None = None,
    limit: int = 500,
) -> Sequence[AuditEvent]:
    """Who looked at one person's data, newest first (the person's own access history)."""
    stmt = select(AuditEvent).where(
        AuditEvent.insurer_no == insurer_no, AuditEvent.insured_no == insured_no
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
