"""Kill ``kaigo-kiban ingest`` with SIGKILL at random points; the database must always be
either exactly as before (same checksum) or fully committed, never partial; re-running commits.

    python bench/crash.py --runs 200 --json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kaigo_kiban.synth.generator import generate_municipality

INSURER = "149993"
CHECKED_TABLES = {
    "insurance_card": "insurer_no, insured_no, history_no",
    "copay_card": "insurer_no, insured_no, history_no",
    "insured_person": "insurer_no, insured_no",
    "ingest_file": "sha256",
}


def checksum(db: Path) -> str:
    """SHA-256 over every row of the data tables (timestamps of the intake log left out)."""
    h = hashlib.sha256()
    conn = sqlite3.connect(db)
    try:
        for table, order in CHECKED_TABLES.items():
            cols = "file_name, kind, sha256, status, rows" if table == "ingest_file" else "*"
            for row in conn.execute(f"SELECT {cols} FROM {table} ORDER BY {order}"):
                h.update(repr(row).encode())
    finally:
        conn.close()
    return h.hexdigest()


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kaigo_kiban.cli", "--db", f"sqlite:///{db}", *args]


def _run(db: Path, *args: str) -> None:
    subprocess.run(_cli(db, *args), check=True, capture_output=True, timeout=600)


def checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def run_trials(runs: int, people: int, seed: int, work: Path) -> dict[str, object]:
    rng = random.Random(seed)
    files = work / "files"
    generate_municipality(INSURER, people, seed, files)
    card_file = next(files.glob("insurance_card_*.csv"))
    copay_file = next(files.glob("copay_card_*.csv"))
    pristine = work / "pristine.db"
    _run(pristine, "registry", "add-insurer", INSURER, "架空市")
    _run(pristine, "ingest", str(card_file))
    checkpoint(pristine)
    before = checksum(pristine)
    reference = work / "reference.db"
    copy_db(pristine, reference)
    started = time.perf_counter()
    _run(reference, "ingest", str(copay_file))
    full_seconds = time.perf_counter() - started
    after = checksum(reference)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kaigo_kiban.cli"], check=True, timeout=120)
    import_seconds = time.perf_counter() - t0
    work_db = work / "work.db"
    outcomes = {"before": 0, "committed": 0}
    bad: list[dict[str, object]] = []
    for i in range(runs):
        copy_db(pristine, work_db)
        proc = subprocess.Popen(
            _cli(work_db, "ingest", str(copay_file)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Most kills should land while rows are being read, staged and merged.
        delay = rng.uniform(import_seconds * 0.8, full_seconds * 1.05)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        state = checksum(work_db)
        if state == before:
            outcomes["before"] += 1
        elif state == after:
            outcomes["committed"] += 1
        else:
            bad.append({"run": i, "delay_s": round(delay, 3), "state": "partial"})
            continue
        _run(work_db, "ingest", str(copay_file))
        if checksum(work_db) != after:
            bad.append({"run": i, "delay_s": round(delay, 3), "state": "rerun-did-not-commit"})
    return {
        "runs": runs,
        "rows": people,
        "full_ingest_s": round(full_seconds, 3),
        "outcomes": outcomes,
        "failures": bad,
        "ok": not bad,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kk-crash-") as tmp:
        result = run_trials(args.runs, args.people, args.seed, Path(tmp))
    print(json.dumps(result, ensure_ascii=False) if args.json else result)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
