"""Test harness: every database test runs on SQLite and on a throwaway PostgreSQL cluster.

Switches (environment): ``KK_TEST_POSTGRES=require`` fails instead of skipping when the
PostgreSQL binaries are missing (CI sets it); ``KK_TEST_POSTGRES=off`` skips PostgreSQL.
Migrations run once per backend per test session; each test runs inside an outer
transaction that is rolled back (SAVEPOINT mode), so tests are isolated and fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kaigo_kiban.core.database import make_engine, migrate
from kaigo_kiban.core.settings import Settings
from tests.pgcluster import PgCluster, missing_reason

BACKENDS = ["sqlite", "postgresql"]


def _postgres_mode() -> str:
    return os.environ.get("KK_TEST_POSTGRES", "auto")


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    mode = _postgres_mode()
    if mode == "off":
        pytest.skip("KK_TEST_POSTGRES=off: PostgreSQL のテストを省略します")
    reason = missing_reason()
    if reason:
        if mode == "require":
            pytest.fail(f"PostgreSQL が必須ですが使えません: {reason}")
        pytest.skip(reason)
    # Not under pytest's root-only temp dir: the unprivileged server user must reach it.
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="kk-pg-")))
    try:
        cluster.start()
    except Exception as exc:  # the binaries exist but the cluster did not start
        if mode == "require":
            raise
        pytest.skip(f"PostgreSQL クラスタを起動できません: {exc}")
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.base, ignore_errors=True)


def _database_url(request: pytest.FixtureRequest, backend: str, tmp: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(name)


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database per backend, shared by the session (tests roll back)."""
    url = _database_url(request, request.param, tmp_path_factory.mktemp("db"), "kk_shared")
    eng = make_engine(Settings(database_url=url))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (for tests that run subprocesses or commit for real)."""
    backend = getattr(request, "param", "sqlite")
    name = "kk_" + os.urandom(4).hex()
    yield _database_url(request, backend, tmp_path, name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        data_dir=tmp_path,
        demo_mode=True,
        secret_key="test-secret",
        secure_cookies=False,
    )
