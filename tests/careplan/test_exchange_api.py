"""The mailbox over HTTP: the JSON API and the pages, with the accounts of tests/webapp."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.registry.models import Organization
from tests.careplan.exchange_world import (
    HEAVY,
    P1,
    P2,
    P4,
    build_file,
    card_rows,
    usage_rows,
)
from tests.factories import INSURER_NO, actor_for, ingest, write_card_file
from tests.webapp import AppHarness, build_app

API = "/api/v1/careplan"


@pytest.fixture
def harness(tmp_path: Path) -> AppHarness:
    """The test app with P1 (要介護1) and P2 (要介護3) assigned to "cm" and "helper"; P4 to none."""
    h = build_app(f"sqlite:///{tmp_path / 'cp.db'}", tmp_path)
    with unit_of_work(h.sessions()) as db:
        path = write_card_file(
            tmp_path, "insurance_card", card_rows(**{P1: "21", P2: "23", P4: "21"})
        )
        assert ingest(db, path, h.settings).status == "committed"
        orgs = {o.code: o for o in db.scalars(select(Organization))}
        for code, types, job in (
            ("1310000011", ("43",), "care_manager"),
            ("1310000029", ("11",), "care_worker"),
        ):
            actor = actor_for(orgs[code], job, service_types=types)
            for p in (P1, P2, P4):
                access.record_consent(
                    db, INSURER_NO, p, "MUNICIPALITY_APPLICATION", dt.date(2025, 4, 1), "t"
                )
            for p in (P1, P2):
                access.register_assignment(db, actor, INSURER_NO, p, types[0], "MYNUMBER_CARD")
    return h


def _upload(h: AppHarness, login: str, name: str, data: bytes, url: str = f"{API}/files"):  # type: ignore[no-untyped-def]
    return h.client.post(url, files={"file": (name, data, "text/csv")}, headers=h.headers(login))


def test_api_send_list_download_same_bytes_and_mark_imported(harness: AppHarness):
    name, data = build_file("UPPLAN", usage_rows(P1, HEAVY) + usage_rows(P2))
    sent = _upload(harness, "cm", name, data)
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["over_limit"] is True
    over = next(r for r in body["limits"] if r["insured_no"] == P1)
    assert (over["care_level"], over["benefit_limit_units"]) == ("21", 16_765)
    assert over["excess_units"] == 93 * 567 - 16_765
    assert over["excess_yen"] == over["excess_units"] * 10  # insurer area grade 99 (その他)
    file_id = body["file"]["id"]
    assert (
        body["file"]["status"] == "SENT" and body["file"]["receiver"]["office_no"] == "1310000029"
    )

    received = harness.client.get(f"{API}/received", headers=harness.headers("helper")).json()
    [item] = received["files"]
    assert item["id"] == file_id and item["status"] == "RECEIVED" and item["accessible"]
    assert {p["insured_no"] for p in item["persons"]} == {P1, P2}
    assert next(p for p in item["persons"] if p["insured_no"] == P1)["limit"]["over"] is True

    meta = harness.client.get(f"{API}/files/{file_id}", headers=harness.headers("helper"))
    assert meta.status_code == 200 and meta.json()["file_name"] == name

    content = harness.client.get(
        f"{API}/files/{file_id}/content", headers=harness.headers("helper")
    )
    assert content.status_code == 200
    assert content.content == data
    assert f'filename="{name}"' in content.headers["content-disposition"]

    done = harness.client.post(f"{API}/files/{file_id}/imported", headers=harness.headers("helper"))
    assert done.status_code == 200 and done.json()["status"] == "IMPORTED"
    sent_list = harness.client.get(f"{API}/sent", headers=harness.headers("cm")).json()
    assert [f["status"] for f in sent_list["files"]] == ["IMPORTED"]
    filtered = harness.client.get(
        f"{API}/sent", params={"month": "202506"}, headers=harness.headers("cm")
    ).json()
    assert filtered["files"] == []


def test_api_rejected_file_returns_every_error_and_stores_nothing(harness: AppHarness):
    rows = usage_rows(P1)
    rows[1] = {**rows[1], "service_date": "20250612", "start_time": "2500"}
    name, data = build_file("UPPLAN", rows, check=False)
    r = _upload(harness, "cm", name, data)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "CP-FILE-REJECTED"
    assert {(d["line"], d["column"], d["code"]) for d in error["details"]} == {
        (2, 10, "CP-DATE-OUTSIDE-MONTH"),
        (2, 12, "CP-TIME"),
    }
    listed = harness.client.get(f"{API}/sent", headers=harness.headers("cm")).json()
    assert listed["files"] == []


def test_api_business_errors_have_stable_cp_codes(harness: AppHarness):
    name, data = build_file("UPPLAN", usage_rows(P1))
    assert (
        _upload(harness, "helper", name, data).json()["error"]["code"] == "CP-SENDER-NOT-OWN-OFFICE"
    )
    unknown = build_file("UPPLAN", usage_rows(P1), receiver="1319999999")
    r = _upload(harness, "cm", *unknown)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "CP-RECEIVER-UNKNOWN")
    r = harness.client.get(f"{API}/files/999", headers=harness.headers("cm"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "CP-TRANSFER-NOT-FOUND")


def test_api_denied_send_is_refused_and_the_denial_stays_on_record(harness: AppHarness):
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(P4))
    r = _upload(harness, "cm", name, data)
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "CP-ACCESS-DENIED"
    assert [(d["insured_no"], d["reason"]) for d in error["details"]] == [(P4, "NO-ASSIGNMENT")]
    with unit_of_work(harness.sessions()) as db:
        rows = db.execute(
            select(AuditEvent.insured_no, AuditEvent.outcome).where(
                AuditEvent.data_kind == "care_plan"
            )
        ).all()
    assert sorted(tuple(r) for r in rows) == [(P1, "allowed"), (P4, "denied")]
    assert harness.client.get(f"{API}/sent", headers=harness.headers("cm")).json()["files"] == []


def test_pages_mailbox_preview_with_day_grid_download_and_import(harness: AppHarness):
    name, data = build_file("UPPLAN", usage_rows(P1, HEAVY) + usage_rows(P2))
    sent = _upload(harness, "cm", name, data, url="/careplan/send")
    assert sent.status_code == 201, sent.text
    assert "送信しました" in sent.text and "<mark>" in sent.text
    file_id = int(re.search(r'href="/careplan/files/(\d+)"', sent.text).group(1))  # type: ignore[union-attr]

    box = harness.client.get("/careplan/mailbox", headers=harness.headers("helper"))
    assert box.status_code == 200 and name in box.text and "新着" in box.text
    assert "超過 1人" in box.text

    page = harness.client.get(f"/careplan/files/{file_id}", headers=harness.headers("helper"))
    assert page.status_code == 200
    assert "サービス利用票（第6表）予定" in page.text
    assert '<abbr title="31日（土）">31<br>土</abbr>' in page.text  # 2025-05-31 is a Saturday
    assert "身体介護３" in page.text and "52,731" in page.text
    assert "<mark><strong>35,966 単位" in page.text
    assert "取込済にする" in page.text

    download = harness.client.get(
        f"/careplan/files/{file_id}/download", headers=harness.headers("helper")
    )
    assert download.content == data

    done = harness.client.post(
        f"/careplan/files/{file_id}/imported",
        headers=harness.headers("helper"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = harness.client.get(done.headers["location"], headers=harness.headers("helper"))
    assert "取込済にしました" in after.text and "取込済にする" not in after.text
    imported = harness.client.get(
        "/careplan/mailbox",
        params={"tab": "sent", "status": "IMPORTED", "month": "2025-05"},
        headers=harness.headers("cm"),
    )
    assert name in imported.text


def test_send_page_shows_every_error_as_a_table(harness: AppHarness):
    rows = usage_rows(P1)
    rows[0] = {**rows[0], "service_code": "11X"}
    name, data = build_file("UPPLAN", rows, check=False)
    r = _upload(harness, "cm", name, data, url="/careplan/send")
    assert r.status_code == 422
    assert "CP-FILE-REJECTED" in r.text
    assert re.search(r"<td>1</td><td>15</td><td><code>CP-SERVICE-CODE</code></td>", r.text)
    htmx = harness.client.post(
        "/careplan/send",
        files={"file": (name, data, "text/csv")},
        headers={**harness.headers("cm"), "HX-Request": "true"},
    )
    # htmx swaps only 2xx answers: the partial page carries the rejection
    assert htmx.status_code == 200 and "<html" not in htmx.text
    assert 'id="send-result"' in htmx.text and "CP-SERVICE-CODE" in htmx.text
    form = harness.client.get("/careplan/send", headers=harness.headers("cm"))
    assert form.status_code == 200 and 'name="csrf_token"' in form.text


def test_plan_preview_shows_labelled_sections_and_delivery(harness: AppHarness):
    from tests.careplan.exchange_world import plan1_row

    name, data = build_file("UP1KYO", [plan1_row(P1)], month=None)
    file_id = _upload(harness, "cm", name, data).json()["file"]["id"]
    page = harness.client.get(f"/careplan/files/{file_id}", headers=harness.headers("cm"))
    assert page.status_code == 200
    for label in (
        "総合的な援助の方針",
        "居宅サービス計画作成者",
        "21 要介護1",
        "自宅で入浴したい。<br>転倒が心配。",
    ):
        assert label in page.text
    r = harness.client.post(f"{API}/files/{file_id}/delivered", headers=harness.headers("cm"))
    assert r.status_code == 200 and [d["insured_no"] for d in r.json()["delivered"]] == [P1]
    again = harness.client.get(f"/careplan/files/{file_id}", headers=harness.headers("cm"))
    assert "交付済" in again.text
