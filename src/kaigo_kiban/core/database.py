"""Engine and session factories, and schema migration (Alembic, one branch per area)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Table, create_engine, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from kaigo_kiban.core.settings import Settings


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(settings: Settings, **kwargs: object) -> Engine:
    """Create the engine for ``settings.database_url``.

    SQLite runs in WAL mode with foreign keys on. pysqlite's own transaction handling is
    switched off so that SQLAlchemy emits ``BEGIN IMMEDIATE`` itself: every request writes
    (an audit row at least), so taking the write lock up front avoids lock-upgrade deadlocks,
    and SAVEPOINTs work as documented.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)  # type: ignore[arg-type]

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        # SQLite has one writer at a time. Queue writers on a lock in this process instead of
        # letting them spin in SQLite's busy handler, whose sleeps make long latency tails.
        writer = threading.Lock()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            if not writer.acquire(timeout=120):
                raise TimeoutError("データベースの書き込みロックを取得できませんでした")
            conn.info["kk_writer"] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                conn.info.pop("kk_writer", None)
                writer.release()
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn) -> None:  # type: ignore[no-untyped-def]
            if conn.info.pop("kk_writer", False):
                writer.release()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)  # type: ignore[arg-type]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


KEPT = "kk_kept_writes"
"""``session.info`` key of the writes that must survive a failed unit of work (:func:`keep`)."""


def keep(session: Session, write: Callable[[Session], object]) -> None:
    """Write a record that must survive even when the unit of work fails.

    ``write(session)`` runs now, in the current transaction. If the unit of work then fails
    and rolls back, :func:`abandon` runs ``write`` again in a short transaction of its own, so
    the record is there exactly once either way: denial audit rows, consumed challenges,
    failed-login counts, rejected-file reports. ``write`` must capture plain values, not ORM
    objects of the transaction that may be rolled back.
    """
    write(session)
    _remember(session, write)


def _remember(session: Session, write: Callable[[Session], object]) -> None:
    session.info.setdefault(KEPT, []).append(write)


def abandon(session: Session) -> None:
    """Roll back the current transaction, then write what must survive (see :func:`keep`) in
    a short transaction of its own. The session stays usable for reads afterwards."""
    writes = session.info.pop(KEPT, [])
    session.rollback()
    if not writes:
        return
    try:
        for write in writes:
            write(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def consume_once(session: Session, model: Any, row_id: int, now: dt.datetime) -> bool:
    """Mark a one-time row (a challenge) consumed, and keep the mark although the request may
    fail: a refused attempt cannot be retried with the same challenge. False when another
    request consumed it first."""
    statement = (
        update(model)
        .where(model.id == row_id, model.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    consumed = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    _remember(session, lambda s: s.execute(statement))
    return consumed


def _forget_kept(session: Session) -> None:
    session.info.pop(KEPT, None)


def commit(session: Session) -> None:
    """Commit the unit of work (what :func:`keep` wrote is now part of it)."""
    session.commit()
    _forget_kept(session)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction, for a request and a CLI command alike: one commit on success; on any
    error a rollback, after which the kept records are written in their own transaction
    (:func:`abandon`) and the error propagates."""
    session = factory()
    try:
        yield session
        commit(session)
    except BaseException:
        abandon(session)
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> Config:
    script_location = resources.files("kaigo_kiban") / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every area's branch (idempotent)."""
    command.upgrade(alembic_config(engine), "heads")


def bulk_insert(session: Session, table: Table, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows whose values are already in driver form (ISO dates, ints, None).

    SQLite: one prepared ``INSERT`` run with the driver's ``executemany``, skipping per-row
    bind processing. PostgreSQL: ``COPY … FROM STDIN`` on the same connection. Both run inside
    the session's transaction, so a rollback removes them.
    """
    if not rows:
        return
    connection = session.connection()
    dbapi = connection.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = dbapi.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)
    finally:
        cursor.close()


def upsert(session: Session, table: Table) -> Any:
    """``INSERT`` for ``table`` in the session's dialect, with ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` (SQLite and PostgreSQL spell them the same)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
