"""Many concurrent lookups of one insurer never stall the server's worker threads.

Every read appends to the insurer's audit chain, whose head row is locked until commit. Were
that lock taken early in a request, requests waiting for it could hold every worker thread
while the request holding it waits for a thread to finish: the server would hang. The audit
rows are therefore written at commit (``audit.service.append_events``). Here the worker pool
is cut to 2 threads and 8 lookups of the same insurer run at once, in process, on PostgreSQL
(SQLite serialises whole write transactions on its single writer: see docs/architecture.md).
"""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest

from tests.factories import INSURER_NO
from tests.fhir.world import INSURED_NO, build_world

CONCURRENT = 8
SECONDS = 60


@pytest.mark.parametrize("fresh_database_url", ["postgresql"], indirect=True)
def test_lookups_of_one_insurer_complete_with_two_worker_threads(
    fresh_database_url: str, tmp_path: Path
) -> None:
    harness = build_world(fresh_database_url, tmp_path)
    headers = harness.headers("cm")
    app = harness.client.app
    statuses: list[int] = []

    async def main() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://kk", headers=headers
        ) as client:

            async def lookup() -> None:
                r = await client.get(
                    f"/api/v1/insured/{INSURED_NO}/cards", params={"insurer_no": INSURER_NO}
                )
                statuses.append(r.status_code)

            async with anyio.create_task_group() as tasks:
                for _ in range(CONCURRENT):
                    tasks.start_soon(lookup)

    # A stalled server never returns (its threads wait on a database lock), so the event loop
    # runs on a daemon thread and the test waits a bounded time for it.
    runner = threading.Thread(target=anyio.run, args=(main,), daemon=True)
    runner.start()
    runner.join(SECONDS)
    assert not runner.is_alive(), f"{CONCURRENT} 件の同時照会が {SECONDS} 秒で終わりません"
    assert statuses == [200] * CONCURRENT
