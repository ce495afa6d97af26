"""Concurrent first writers of a brand-new chain all succeed and the chain does not fork.

Real concurrent transactions (threads, one connection each) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
import threading

from sqlalchemy import Engine, delete, select

from kaigo_kiban.audit import rules
from kaigo_kiban.audit.models import AuditChainHead, AuditEvent
from kaigo_kiban.audit.service import append_events, verify_all
from kaigo_kiban.core.database import make_session_factory, unit_of_work

WRITERS = 6


def test_first_writers_of_a_new_chain_all_succeed(engine: Engine) -> None:
    chain = "9" + "".join(secrets.choice("0123456789") for _ in range(5))
    factory = make_session_factory(engine)
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with unit_of_work(factory) as db:
                start.wait(timeout=30)  # all transactions open at once, none sees a head yet
                append_events(
                    db,
                    [
                        {
                            "insurer_no": chain,
                            "insured_no": f"{i:010d}",
                            "actor_kind": "system",
                            "actor_name": f"writer {i}",
                            "data_kind": "insurance_card",
                            "action": "read",
                            "outcome": "allowed",
                            "reason": "TEST",
                        }
                    ]
                    * 2,
                )
        except BaseException as exc:  # collected: a failing writer fails the test below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert failures == []
        with unit_of_work(factory) as db:
            seqs = list(
                db.scalars(select(AuditEvent.seq).where(AuditEvent.chain == chain).order_by("seq"))
            )
            head = db.get(AuditChainHead, chain)
            problems = [p for p in verify_all(db) if p.chain == chain]
        assert seqs == list(range(1, 2 * WRITERS + 1))
        assert head is not None and head.seq == 2 * WRITERS and head.last_hash != rules.GENESIS
        assert problems == []
    finally:
        with unit_of_work(factory) as db:
            db.execute(delete(AuditEvent).where(AuditEvent.chain == chain))
            db.execute(delete(AuditChainHead).where(AuditChainHead.chain == chain))
