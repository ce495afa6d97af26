"""An office looking up a person of a municipality that has not started sending sees why."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from sqlalchemy import select

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.ids import municipality_check_digit
from kaigo_kiban.readiness import service as readiness
from kaigo_kiban.registry.models import Organization
from tests.factories import INSURER_NO, actor_for, make_person
from tests.webapp import build_app

MESSAGE = "この市町村はまだ介護情報基盤への送信を開始していません"


def _schedule(db, today: dt.date, start: dt.date) -> None:  # type: ignore[no-untyped-def]
    """千代田区 on the readiness schedule: SCHEDULED to start on ``start`` (the operator's file)."""
    code = "13101" + str(municipality_check_digit("13101"))
    csv = (
        "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status\n"
        f"{code},千代田区,東京都,{INSURER_NO},{start.isoformat()},SCHEDULED\n"
    )
    operator = Actor(kind="operator", display_name="運用", organization_kind="operator")
    readiness.import_readiness(
        db, operator, io.BytesIO(csv.encode()), file_name="r.csv", today=today, max_line_bytes=65536
    )


def test_lookup_of_a_person_of_a_not_yet_live_municipality_says_so(tmp_path: Path) -> None:
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    today = dt.date.today()
    with unit_of_work(harness.sessions()) as db:
        make_person(db, "0000000001")
        access.record_consent(
            db, INSURER_NO, "0000000001", "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        org = db.scalar(select(Organization).where(Organization.code == "1310000011"))
        access.register_assignment(
            db,
            actor_for(org, "care_manager", service_types=("43",)),
            INSURER_NO,
            "0000000001",
            "43",
            "MYNUMBER_CARD",
        )
        _schedule(db, today, today + dt.timedelta(days=200))
    page = harness.client.get(
        "/office/lookup",
        params={"insurer_no": INSURER_NO, "insured_no": "0000000001", "birth_date": "1940-01-02"},
        headers=harness.headers("cm"),
    )
    assert page.status_code == 200
    assert MESSAGE in page.text


def test_a_refused_lookup_at_a_not_yet_live_municipality_says_so_whoever_is_asked_for(
    tmp_path: Path,
) -> None:
    """A person the platform does not know (the municipality has sent nothing yet) and a wrong
    birth date get the same page, and the API's refusal carries the same notice: the
    municipality's planned start — about the insurer, never the person."""
    harness = build_app(f"sqlite:///{tmp_path / 'r.db'}", tmp_path)
    today = dt.date.today()
    start = today + dt.timedelta(days=120)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, "0000000001")
        _schedule(db, today, start)
    pages, apis = [], []
    for insured_no, born in (("0000000099", "1940-01-02"), ("0000000001", "1999-09-09")):
        page = harness.client.get(
            "/office/lookup",
            params={"insurer_no": INSURER_NO, "insured_no": insured_no, "birth_date": born},
            headers=harness.headers("cm"),
        )
        assert page.status_code == 200 and MESSAGE in page.text
        assert "開始予定日" in page.text, page.text[page.text.find("not-live") :][:600]
        pages.append(page.text.replace(insured_no, "N").replace(born, "B"))
        answer = harness.client.get(
            f"/api/v1/insured/{insured_no}/cards",
            params={"insurer_no": INSURER_NO},
            headers=harness.headers("cm"),
        )
        assert answer.status_code == 403
        notice = answer.json()["error"]["details"]["insurer_not_live"]
        assert (notice["planned_start"], notice["status"]) == (start.isoformat(), "SCHEDULED")
        apis.append(notice)
    assert apis[0] == apis[1]
    assert pages[0] == pages[1]
