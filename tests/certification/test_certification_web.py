"""Certification over HTTP: views per role (allowed and denied by the gate), the municipal
overview with its chart, the clinic's opinion form, plan-creation notices."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import SESSION_COOKIE
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards import service as cards
from kaigo_kiban.certification.opinions.models import OpinionRequest
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.ingest.service import ingest_file
from kaigo_kiban.registry.models import Organization
from tests.certification.conftest import (
    CLINIC_CODE,
    OTHER,
    PERSON,
    application_row,
    complete_opinion,
    milestone_row,
    request_row,
    result_row,
    survey_row,
    write_file,
)
from tests.factories import (
    INSURER_NO,
    actor_for,
    grant_for,
    insurance_card_row,
    make_org,
    write_card_file,
)
from tests.web.html import read_page
from tests.webapp import AppHarness, build_app

TODAY = today_jst()
APP = "2026000001"


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> AppHarness:
    tmp = tmp_path_factory.mktemp("cert")
    h = build_app(f"sqlite:///{tmp / 'cert.db'}", tmp)
    old = TODAY - dt.timedelta(days=45)
    files = [
        write_card_file(
            tmp, "insurance_card", [insurance_card_row(PERSON), insurance_card_row(OTHER)]
        ),
        write_file(
            tmp,
            "cert_application",
            [
                application_row(applied_on=TODAY - dt.timedelta(days=12)),
                application_row("2026000002", insured_no=OTHER, applied_on=old),
            ],
        ),
        write_file(
            tmp,
            "cert_milestone",
            [
                milestone_row("11", TODAY - dt.timedelta(days=11)),
                milestone_row("11", old + dt.timedelta(days=2), no="2026000002"),
            ],
        ),
        write_file(tmp, "cert_survey", [survey_row(surveyed_on=TODAY - dt.timedelta(days=5))]),
        write_file(tmp, "opinion_request", [request_row()]),
    ]
    with unit_of_work(h.sessions()) as db:
        for path in files:
            report = ingest_file(db, path, h.settings, kinds=KINDS, submitted_by="test")
            assert report.status == "committed", report.to_dict()
        for person in (PERSON, OTHER):
            access.record_consent(
                db, INSURER_NO, person, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
            )
        cm = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        helper = db.scalar(select(Organization).where(Organization.code == "1310000029"))
        access.register_assignment(
            db,
            actor_for(cm, "care_manager", service_types=("43",)),
            INSURER_NO,
            PERSON,
            "43",
            "MYNUMBER_CARD",
        )
        access.register_assignment(
            db,
            actor_for(helper, "care_worker", service_types=("11",)),
            INSURER_NO,
            PERSON,
            "11",
            "MYNUMBER_CARD",
        )
        clinic = make_org(db, "medical", CLINIC_CODE, "試験内科クリニック")
        for login_id, org, job in (("clinic", clinic, "physician"), ("cm-clerk", cm, "clerk")):
            h.add_account(db, org, login_id, job)
    return h


def _signed_in(h: AppHarness, login_id: str) -> tuple[TestClient, str]:
    """A browser-like client with a web session, and its CSRF token."""
    with unit_of_work(h.sessions()) as db:
        account = db.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
        assert account is not None
        issued = accounts.start_web_session(db, h.settings, account)
    client = TestClient(h.client.app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, issued.secret)
    return client, issued.credential.csrf_token or ""


def test_care_manager_sees_timeline_and_survey_of_an_assigned_person(harness: AppHarness) -> None:
    r = harness.client.get(
        f"/api/v1/certification/cases/{PERSON}",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("cm"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    case = body["case"]
    assert case["application_no"] == APP and case["progress"]["state"] == "SURVEY_DONE"
    assert [s["field"] for s in case["timeline"]][:3] == [
        "applied_on",
        "survey_requested_on",
        "survey_done_on",
    ]
    assert case["progress"]["elapsed_days"] == 12 and not case["progress"]["overdue"]
    assert body["survey"]["groups"][0]["items"][0]["label"] == "左上肢・右下肢"
    assert body["opinion"] is None  # allowed, but nothing submitted yet


def test_clerk_sees_progress_but_not_the_survey_and_home_service_sees_nothing(
    harness: AppHarness,
) -> None:
    clerk = harness.client.get(
        f"/api/v1/certification/cases/{PERSON}",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("cm-clerk"),
    )
    assert clerk.status_code == 200
    assert clerk.json()["survey"]["denied"]["code"] == "POLICY"
    assert clerk.json()["opinion"]["denied"]["code"] == "POLICY"
    helper = harness.client.get(
        f"/api/v1/certification/cases/{PERSON}",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("helper"),
    )
    assert helper.status_code == 403
    assert helper.json()["error"]["code"] == "ACCESS-POLICY"
    unassigned = harness.client.get(
        f"/api/v1/certification/cases/{OTHER}",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("cm"),
    )
    assert unassigned.status_code == 403
    assert unassigned.json()["error"]["code"] == "ACCESS-NO-ASSIGNMENT"


def test_care_manager_page_shows_an_ordered_timeline_with_both_calendars(
    harness: AppHarness,
) -> None:
    client, _csrf = _signed_in(harness, "cm")
    listing = client.get("/office/certifications")
    assert listing.status_code == 200 and "試験" in listing.text
    page = client.get(f"/office/certifications/{PERSON}?insurer_no={INSURER_NO}")
    assert page.status_code == 200, page.text
    assert '<ol class="kk-timeline"' in page.text
    applied = TODAY - dt.timedelta(days=12)
    assert f"({applied.isoformat()})" in page.text and "令和" in page.text
    assert 'aria-current="step"' in page.text
    assert "第1群 身体機能・起居動作" in page.text
    assert read_page(page.text).unlabelled_fields() == []


def test_municipal_overview_puts_overdue_cases_first_and_draws_the_distribution(
    harness: AppHarness,
) -> None:
    client, _csrf = _signed_in(harness, "city")
    page = client.get("/municipal/certifications")
    assert page.status_code == 200, page.text
    text = page.text
    assert text.index(OTHER) < text.index(PERSON)  # 45 days (overdue) before 12 days
    assert "30日超過" in text
    api = harness.client.get("/api/v1/certification/cases", headers=harness.headers("city"))
    assert api.status_code == 200
    rows = api.json()["rows"]
    assert [r["case"]["overdue"] for r in rows] == [True, False]
    assert api.json()["overdue_count"] == 1


def test_opinion_form_is_labelled_and_reports_errors_next_to_each_field(
    harness: AppHarness,
) -> None:
    client, csrf = _signed_in(harness, "clinic")
    listing = client.get("/clinic/requests")
    assert listing.status_code == 200
    request_id = int(re.search(r'href="/clinic/requests/(\d+)"', listing.text).group(1))  # type: ignore[union-attr]
    form = client.get(f"/clinic/requests/{request_id}")
    assert form.status_code == 200
    facts = read_page(form.text)
    assert facts.unlabelled_fields() == []
    for section in ("基本情報", "1. 傷病に関する意見", "5. 特記すべき事項"):
        assert section in form.text

    draft = client.post(
        f"/clinic/requests/{request_id}",
        data={"csrf_token": csrf, "action": "save", "s1_dx1_name": "脳梗塞後遺症"},
    )
    assert draft.status_code == 303
    saved = client.get(draft.headers["location"])
    assert 'value="脳梗塞後遺症"' in saved.text and "下書きを保存しました" in saved.text

    refused = client.post(
        f"/clinic/requests/{request_id}",
        data={"csrf_token": csrf, "action": "submit", "s1_dx1_name": "脳梗塞後遺症"},
    )
    assert refused.status_code == 422
    assert 'id="error-summary"' in refused.text
    assert 'aria-describedby="s1_course-error"' in refused.text
    assert 'id="s1_course-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert 'href="#s1_stability-1"' in refused.text


def test_opinion_submitted_online_reaches_the_municipality(harness: AppHarness) -> None:
    clinic = harness.headers("clinic")
    listed = harness.client.get("/api/v1/certification/opinion-requests", headers=clinic)
    request_id = listed.json()["requests"][0]["request_id"]
    draft = harness.client.put(
        f"/api/v1/certification/opinion-requests/{request_id}/draft",
        json={"content": complete_opinion(s3_height="高い")},
        headers=clinic,
    )
    assert draft.status_code == 200 and set(draft.json()["problems"]) == {"s3_height"}
    bad = harness.client.post(
        f"/api/v1/certification/opinion-requests/{request_id}/submit", headers=clinic
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "CT-OPINION-INVALID"
    assert "s3_height" in bad.json()["error"]["details"]
    done = harness.client.post(
        f"/api/v1/certification/opinion-requests/{request_id}/submit",
        json={"content": complete_opinion()},
        headers=clinic,
    )
    assert done.status_code == 200, done.text
    opinion_id = done.json()["opinion_id"]

    city = harness.headers("city")
    pulled = harness.client.get("/api/v1/certification/opinions", headers=city)
    assert pulled.status_code == 200
    assert [o["opinion_id"] for o in pulled.json()["opinions"]] == [opinion_id]
    again = harness.client.get(
        "/api/v1/certification/opinions",
        params={"since": pulled.json()["next_since"]},
        headers=city,
    )
    assert again.json()["opinions"] == []
    client, _csrf = _signed_in(harness, "city")
    printable = client.get(f"/municipal/opinions/{opinion_id}")
    assert printable.status_code == 200 and "主治医意見書" in printable.text
    assert "脳梗塞後遺症" in printable.text
    case = harness.client.get(
        f"/api/v1/certification/cases/{PERSON}",
        params={"insurer_no": INSURER_NO},
        headers=harness.headers("cm"),
    ).json()
    assert case["case"]["progress"]["opinion_track"] == "DONE"
    assert case["opinion"]["content"]["s1_dx1_name"] == "脳梗塞後遺症"


def test_municipality_registers_an_opinion_request_over_the_api(harness: AppHarness) -> None:
    body = {
        "insured_no": OTHER,
        "application_no": "2026000002",
        "institution_code": CLINIC_CODE,
        "requested_on": TODAY.isoformat(),
    }
    r = harness.client.post(
        "/api/v1/certification/opinion-requests", json=body, headers=harness.headers("city")
    )
    assert r.status_code == 201, r.text
    again = harness.client.post(
        "/api/v1/certification/opinion-requests", json=body, headers=harness.headers("city")
    )
    assert again.status_code == 409
    denied = harness.client.post(
        "/api/v1/certification/opinion-requests", json=body, headers=harness.headers("cm")
    )
    assert denied.status_code == 403
    with unit_of_work(harness.sessions()) as db:
        statuses = db.scalars(
            select(OpinionRequest.status).where(OpinionRequest.insured_no == OTHER)
        ).all()
    assert statuses == ["open"]


def test_plan_notice_accepted_reaches_the_card_and_the_municipal_pull(
    harness: AppHarness,
) -> None:
    start = TODAY - dt.timedelta(days=1)
    body = {"insurer_no": INSURER_NO, "insured_no": PERSON, "plan_valid_from": start.isoformat()}
    helper = harness.client.post(
        "/api/v1/certification/plan-notices", json=body, headers=harness.headers("helper")
    )
    assert helper.status_code == 403
    first = harness.client.post(
        "/api/v1/certification/plan-notices", json=body, headers=harness.headers("cm")
    )
    assert first.status_code == 201, first.text
    city = harness.headers("city")
    returned = harness.client.post(
        f"/api/v1/certification/plan-notices/{first.json()['notice_id']}/return",
        json={"reason": "適用開始日を確認してください"},
        headers=city,
    )
    assert returned.json()["status"] == "returned"

    client, csrf = _signed_in(harness, "cm")
    page = client.post(
        "/office/plan-notices",
        data={
            "csrf_token": csrf,
            "person": f"{INSURER_NO}:{PERSON}",
            "plan_valid_from": start.isoformat(),
            "notice_kind": "2",
        },
    )
    assert page.status_code == 200 and "届出を送信しました" in page.text
    assert "返戻" in page.text and "適用開始日を確認してください" in page.text
    inbox = harness.client.get(
        "/api/v1/certification/plan-notices", params={"status": "submitted"}, headers=city
    )
    notice_id = inbox.json()["notices"][0]["notice_id"]
    city_client, city_csrf = _signed_in(harness, "city")
    accepted = city_client.post(
        f"/municipal/plan-notices/{notice_id}/accept", data={"csrf_token": city_csrf}
    )
    assert accepted.status_code == 303
    pulled = harness.client.get(
        "/api/v1/certification/plan-notices", params={"status": "accepted"}, headers=city
    ).json()["notices"]
    assert [(n["notice_id"], n["office_no"], n["plan_kind"]) for n in pulled] == [
        (notice_id, "1310000011", "1")
    ]
    with unit_of_work(harness.sessions()) as db:
        card = cards.find_card_valid_on(
            db, grant_for(INSURER_NO, PERSON, "insurance_card"), "insurance_card", TODAY
        )
    assert card is not None
    assert (card.plan_office_no, card.plan_notified_on, card.plan_kind) == (
        "1310000011",
        TODAY,
        "1",
    )
    assert card.history_no == pulled[0]["card_history_no"]


def test_pages_refuse_other_roles(harness: AppHarness) -> None:
    checks: list[tuple[str, str, Callable[[int], bool]]] = [
        ("cm", "/municipal/certifications", lambda s: s == 403),
        ("city", "/clinic/requests", lambda s: s == 403),
        ("clinic", "/office/certifications", lambda s: s == 403),
    ]
    for login, path, ok in checks:
        client, _ = _signed_in(harness, login)
        assert ok(client.get(path).status_code), (login, path)


def test_forms_without_the_csrf_token_are_refused(harness: AppHarness) -> None:
    client, _csrf = _signed_in(harness, "cm")
    r = client.post("/office/certifications/webhooks", data={"url": "https://example.invalid/x"})
    assert r.status_code == 403


def test_distribution_of_days_to_decision_is_an_svg_with_a_table_fallback(
    harness: AppHarness, tmp_path: Path
) -> None:
    applied = TODAY - dt.timedelta(days=100)
    decided = applied + dt.timedelta(days=40)
    files = [
        write_file(
            tmp_path, "cert_application", [application_row("2026000003", applied_on=applied)]
        ),
        write_file(
            tmp_path,
            "cert_result",
            [
                result_row(
                    "2026000003",
                    decided_on=decided,
                    valid_from=applied,
                    valid_to=dt.date(applied.year + 1, 1, 31),
                )
            ],
        ),
    ]
    with unit_of_work(harness.sessions()) as db:
        for path in files:
            assert (
                ingest_file(db, path, harness.settings, kinds=KINDS, submitted_by="t").status
                == "committed"
            )
    client, _csrf = _signed_in(harness, "city")
    text = client.get("/municipal/certifications").text
    assert '<svg role="img" aria-labelledby="dist-title dist-desc"' in text
    assert '<title id="dist-title">' in text and "31〜40日: 1件" in text
    assert "<caption>申請から決定までの日数の分布</caption>" in text
    assert "決定済み 1 件: 30日以内 0 件（0.0%）" in text


def test_histogram_bins_days_and_marks_the_norm_between_30_and_31() -> None:
    from kaigo_kiban.certification.cases.overview import histogram

    h = histogram([0, 10, 11, 30, 31, 45, 61, 200, -3])
    assert [b["count"] for b in h.bars] == [3, 1, 1, 1, 1, 0, 2]
    assert [b["over_norm"] for b in h.bars] == [False] * 3 + [True] * 4
    third, fourth = h.bars[2], h.bars[3]
    assert third["x"] + third["w"] < h.norm_x < fourth["x"]
    assert max(b["h"] for b in h.bars) == round(h.baseline - h.top, 1)
