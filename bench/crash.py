"""Kill ``kaigo-kiban ingest`` with SIGKILL at random points; the database must always be
either exactly as before (same checksum) or fully committed, never partial; re-running commits.

    python bench/crash.py --runs 200 --json
    python bench/crash.py --runs 50 --db postgresql+psycopg://user@127.0.0.1:5432/postgres --json

On PostgreSQL each run works on a fresh copy (``CREATE DATABASE … TEMPLATE``) of the prepared
database, on the server the URL names.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from kaigo_kiban.synth.generator import generate_municipality

INSURER = "149993"
CHECKED_TABLES = {
    "insurance_card": "insurer_no, insured_no, history_no",
    "copay_card": "insurer_no, insured_no, history_no",
    "insured_person": "insurer_no, insured_no",
    "ingest_file": "sha256",
}


# Surrogate keys are left out: PostgreSQL sequences are not transactional, so a killed ingest
# uses up ingest_file ids and the re-run's rows point at a later id with the same content.
SURROGATES = {"id", "source_file_id"}


def _digest(cursors: Iterable[Any]) -> str:
    h = hashlib.sha256()
    for cur in cursors:
        names = [d[0] for d in cur.description]
        keep = [i for i, n in enumerate(names) if n not in SURROGATES]
        for row in cur.fetchall():
            h.update(repr(tuple(str(row[i]) for i in keep)).encode())
    return h.hexdigest()


def _queries() -> list[str]:
    queries = []
    for table, order in CHECKED_TABLES.items():
        cols = "file_name, kind, sha256, status, rows" if table == "ingest_file" else "*"
        queries.append(f"SELECT {cols} FROM {table} ORDER BY {order}")
    return queries


class SqliteStore:
    """Databases are files; a copy is a file copy."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def url(self, name: str) -> str:
        return f"sqlite:///{self.work / (name + '.db')}"

    def checksum(self, name: str) -> str:
        conn = sqlite3.connect(self.work / (name + ".db"))
        try:
            return _digest(conn.execute(q) for q in _queries())
        finally:
            conn.close()

    def copy(self, src: str, dst: str) -> None:
        source = self.work / (src + ".db")
        conn = sqlite3.connect(source)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.work / dst) + ".db" + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, self.work / (dst + ".db"))


class PostgresStore:
    """Databases on one server; a copy is ``CREATE DATABASE … TEMPLATE``."""

    def __init__(self, admin_url: str) -> None:
        self.base = make_url(admin_url)

    def _conninfo(self, name: str) -> str:
        u = self.base
        return f"host={u.host} port={u.port or 5432} user={u.username} dbname={name}"

    def url(self, name: str) -> str:
        return self.base.set(database=f"kk_crash_{name}").render_as_string(hide_password=False)

    def checksum(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self._conninfo(f"kk_crash_{name}")) as conn:
            self._wait_for_orphans(conn)
            return _digest(conn.execute(q) for q in _queries())

    @staticmethod
    def _wait_for_orphans(conn: object, timeout: float = 60.0) -> None:
        """A killed client's server backend finishes its statement (and, if COMMIT was already
        sent, its commit) before it notices; read the state only after it has gone."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = conn.execute(  # type: ignore[attr-defined]
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.05)
        raise TimeoutError("a killed ingest's server process did not finish")

    def copy(self, src: str, dst: str) -> None:
        import psycopg

        with psycopg.connect(
            self._conninfo(self.base.database or "postgres"), autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "kk_crash_{dst}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "kk_crash_{dst}" TEMPLATE "kk_crash_{src}"')

    def create(self, name: str) -> None:
        import psycopg

        with psycopg.connect(
            self._conninfo(self.base.database or "postgres"), autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "kk_crash_{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "kk_crash_{name}"')


def _cli(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "kaigo_kiban.app.cli", "--db", url, *args]


def _run(url: str, *args: str) -> None:
    done = subprocess.run(_cli(url, *args), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(
            f"kaigo-kiban {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )


def run_trials(
    runs: int, people: int, seed: int, work: Path, *, db: str | None = None
) -> dict[str, object]:
    """Prepare a database holding the 被保険者証 file, then kill ingests of the 負担割合証 file."""
    rng = random.Random(seed)
    store: SqliteStore | PostgresStore = PostgresStore(db) if db else SqliteStore(work)
    files = work / "files"
    generate_municipality(INSURER, people, seed, files)
    card_file = next(files.glob("insurance_card_*.csv"))
    copay_file = next(files.glob("copay_card_*.csv"))
    if isinstance(store, PostgresStore):
        store.create("pristine")
    _run(store.url("pristine"), "registry", "add-insurer", INSURER, "架空市")
    _run(store.url("pristine"), "ingest", str(card_file))
    before = store.checksum("pristine")
    store.copy("pristine", "reference")
    started = time.perf_counter()
    _run(store.url("reference"), "ingest", str(copay_file))
    full_seconds = time.perf_counter() - started
    after = store.checksum("reference")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kaigo_kiban.app.cli"], check=True, timeout=120)
    import_seconds = time.perf_counter() - t0
    outcomes = {"before": 0, "committed": 0}
    bad: list[dict[str, object]] = []
    for i in range(runs):
        store.copy("pristine", "work")
        url = store.url("work")
        proc = subprocess.Popen(
            _cli(url, "ingest", str(copay_file)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Most kills should land while rows are being read, staged and merged.
        delay = rng.uniform(import_seconds * 0.8, full_seconds * 1.05)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = store.checksum("work")
        if state == before:
            outcomes["before"] += 1
        elif state == after:
            outcomes["committed"] += 1
        else:
            bad.append({"run": i, "delay_s": round(delay, 3), "state": "partial"})
            continue
        _run(url, "ingest", str(copay_file))
        if store.checksum("work") != after:
            bad.append({"run": i, "delay_s": round(delay, 3), "state": "rerun-did-not-commit"})
    return {
        "database": "postgresql" if db else "sqlite",
        "runs": runs,
        "people": people,
        "full_ingest_s": round(full_seconds, 3),
        "outcomes": outcomes,
        "failures": bad,
        "ok": not bad,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--db", default=None, help="a PostgreSQL server URL (default: SQLite files)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kk-crash-") as tmp:
        result = run_trials(args.runs, args.people, args.seed, Path(tmp), db=args.db)
    print(json.dumps(result, ensure_ascii=False) if args.json else result)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
