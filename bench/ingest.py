"""Ingest N synthetic 被保険者証 rows through the real pipeline, against a raw baseline.

    python bench/ingest.py --rows 1000000 --json
    python bench/ingest.py --rows 1000000 --db postgresql+psycopg://… --json

The pipeline runs in a child process (so its peak RSS is its own): the same code path as
``kaigo-kiban ingest`` (validate every row, stage, merge, commit). The baseline, in the same
run, streams the same CSV rows into a bare table with ``sqlite3`` ``executemany`` in one
transaction (``COPY`` of the same bytes on PostgreSQL).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards.formats import INSURANCE_CARD
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import format_csv_line, header_line
from kaigo_kiban.ingest.service import ingest_file
from kaigo_kiban.registry.service import upsert_insurer
from kaigo_kiban.synth.generator import iter_insurance_card_rows

INSURER = "149993"


def write_file(directory: Path, rows: int) -> Path:
    path = directory / f"insurance_card_{INSURER}_20261001010000_001.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header_line(INSURANCE_CARD) + "\r\n")
        for cells in itertools.islice(iter_insurance_card_rows(INSURER, rows, 11), rows):
            out.write(format_csv_line(cells) + "\r\n")
    return path


def child(path: Path, url: str) -> None:
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    migrate(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        upsert_insurer(session, INSURER, "架空市")
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        report = ingest_file(session, path, settings, kinds=KINDS, submitted_by="bench")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": report.rows,
                "status": report.status,
                "seconds": seconds,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


def baseline_sqlite(path: Path, directory: Path) -> float:
    db = directory / "baseline.db"
    conn = sqlite3.connect(db)
    width = len(INSURANCE_CARD.columns)
    conn.execute(f"CREATE TABLE bare ({', '.join(f'c{i}' for i in range(width))})")
    marks = ", ".join("?" * width)
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO bare VALUES ({marks})", reader)
        conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def baseline_postgres(path: Path, url: str) -> float:
    import psycopg

    u = make_url(url)
    conninfo = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    width = len(INSURANCE_CARD.columns)
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS bare")
        conn.execute(f"CREATE TABLE bare ({', '.join(f'c{i} text' for i in range(width))})")
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bare FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bare")
        conn.commit()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db)
        return
    with tempfile.TemporaryDirectory(prefix="kk-bench-") as tmp:
        work = Path(tmp)
        path = write_file(work, args.rows)
        url = args.db or f"sqlite:///{work / 'pipeline.db'}"
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(path), "--db", url],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        if make_url(url).get_backend_name() == "postgresql":
            base_seconds = baseline_postgres(path, url)
        else:
            base_seconds = baseline_sqlite(path, work)
    rows = measured["rows"]
    result = {
        "database": make_url(url).get_backend_name(),
        "rows": rows,
        "status": measured["status"],
        "rows_per_s": round(rows / measured["seconds"]),
        "baseline_rows_per_s": round(rows / base_seconds),
        "ratio": round(base_seconds / measured["seconds"], 3),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
    }
    print(json.dumps(result) if args.json else io.StringIO(json.dumps(result, indent=2)).getvalue())


if __name__ == "__main__":
    main()
