"""Authorised-and-audited card lookups against a real server, next to its health endpoint.

    python bench/lookup.py --persons 1000000 --json
    python bench/lookup.py --persons 1000000 --db postgresql+psycopg://… --json

Loads N synthetic insured persons through the real intake, gives one care-management office
consent + an assignment for a sample of them, starts ``kaigo-kiban serve`` as a separate process on
127.0.0.1, and runs C concurrent clients (threads with keep-alive connections) for a fixed time:
first against ``GET /api/v1/insured/{no}/cards`` (4 authorisations + 4 audit rows per lookup),
then, in the same run, against the unauthenticated ``/healthz`` (the baseline).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyotp
from sqlalchemy import insert, select

from kaigo_kiban.access.models import Assignment, Consent
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards.formats import INSURANCE_CARD
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import format_csv_line, header_line
from kaigo_kiban.ingest.service import ingest_file
from kaigo_kiban.registry.models import InsuredPerson, OfficeService, Organization
from kaigo_kiban.registry.service import upsert_insurer
from kaigo_kiban.synth.generator import iter_insurance_card_rows

INSURER = "149993"
OFFICE = "1470000011"
PASSWORD = "Bench-Pass-2026!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(url: str, persons: int, sample: int, work: Path) -> tuple[list[str], str]:
    """Ingest N persons, create the office, consent + assignments for ``sample`` persons."""
    settings = Settings(database_url=url)
    engine = make_engine(settings)
    migrate(engine)
    factory = make_session_factory(engine)
    path = work / f"insurance_card_{INSURER}_20261001010000_001.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header_line(INSURANCE_CARD) + "\r\n")
        for cells in iter_insurance_card_rows(INSURER, persons, 5):
            out.write(format_csv_line(cells) + "\r\n")
    with unit_of_work(factory) as session:
        upsert_insurer(session, INSURER, "架空市")
    with unit_of_work(factory) as session:
        report = ingest_file(session, path, settings, kinds=KINDS, submitted_by="bench")
        assert report.status == "committed", report.to_dict()
    path.unlink()
    with unit_of_work(factory) as session:
        org = Organization(
            kind="office", code=OFFICE, name="架空ケアプランセンター", created_at=utcnow()
        )
        session.add(org)
        session.flush()
        session.add(OfficeService(organization_id=org.id, service_type="43"))
        account = accounts.create_account(
            session,
            organization_id=org.id,
            login_id="bench-cm",
            display_name="ベンチ",
            job_type="care_manager",
            password=PASSWORD,
        )
        secret = account.totp_secret
        rng = random.Random(3)
        numbers = list(
            session.scalars(
                select(InsuredPerson.insured_no).where(InsuredPerson.disqualified_on.is_(None))
            )
        )
        chosen = rng.sample(numbers, min(sample, len(numbers)))
        now = utcnow()
        month = today_jst().strftime("%Y%m")
        session.execute(
            insert(Consent),
            [
                {
                    "insurer_no": INSURER,
                    "insured_no": n,
                    "source": "MUNICIPALITY_APPLICATION",
                    "effective_from": dt.date(2020, 4, 1),
                    "obtained_at": now,
                    "recorded_by": "bench",
                }
                for n in chosen
            ],
        )
        session.execute(
            insert(Assignment),
            [
                {
                    "insurer_no": INSURER,
                    "insured_no": n,
                    "organization_id": org.id,
                    "office_no": OFFICE,
                    "service_type": "43",
                    "verified_by": "MYNUMBER_CARD",
                    "verified_at": now,
                    "last_evidence_month": month,
                }
                for n in chosen
            ],
        )
    engine.dispose()
    return chosen, secret


def run_clients(
    base: str, paths: list[str], headers: dict[str, str], clients: int, seconds: float
) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        # A failed request (an error status or a broken connection) is counted and the client
        # goes on: a client that silently stopped would flatter the latencies of the others.
        rng = random.Random(i)
        client = httpx.Client(base_url=base, headers=headers, timeout=30)
        try:
            while time.perf_counter() < stop:
                path = paths[rng.randrange(len(paths))]
                t0 = time.perf_counter()
                try:
                    ok = client.get(path).status_code == 200
                except httpx.TransportError:
                    ok = False
                    client.close()
                    client = httpx.Client(base_url=base, headers=headers, timeout=30)
                latencies[i].append(time.perf_counter() - t0)
                if not ok:
                    failures[i] += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = sorted(itertools.chain.from_iterable(latencies))
    return {
        "per_s": len(flat) / elapsed,
        "p50_ms": statistics.median(flat) * 1000,
        "p99_ms": flat[int(len(flat) * 0.99) - 1] * 1000,
        "requests": len(flat),
        "failures": sum(failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=5_000, help="persons assigned to the office")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--db", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kk-lookup-") as tmp:
        work = Path(tmp)
        url = args.db or f"sqlite:///{work / 'lookup.db'}"
        t0 = time.perf_counter()
        chosen, secret = load(url, args.persons, args.sample, work)
        load_s = time.perf_counter() - t0
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KK_")}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kaigo_kiban.app.cli",
                "--db",
                url,
                "serve",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 120
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start")
                time.sleep(0.2)
            token = httpx.post(
                base + "/api/v1/auth/token",
                json={
                    "login_id": "bench-cm",
                    "password": PASSWORD,
                    "otp": pyotp.TOTP(secret).now(),
                },
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            paths = [f"/api/v1/insured/{n}/cards?insurer_no={INSURER}" for n in chosen]
            lookups = run_clients(base, paths, auth, args.clients, args.seconds)
            baseline = run_clients(base, ["/healthz"], {}, args.clients, args.seconds)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    result = {
        "database": url.split(":", 1)[0],
        "persons": args.persons,
        "clients": args.clients,
        "load_s": round(load_s, 1),
        "lookups": lookups["requests"],
        "failures": lookups["failures"],
        "lookups_per_s": round(lookups["per_s"], 1),
        "p50_ms": round(lookups["p50_ms"], 2),
        "p99_ms": round(lookups["p99_ms"], 2),
        "baseline_per_s": round(baseline["per_s"], 1),
        "ratio": round(lookups["per_s"] / baseline["per_s"], 3),
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
