"""LIFE over the web and the CLI: an office sends a file; the office, the person and the
municipality each see what they may."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from kaigo_kiban.access import service as access
from kaigo_kiban.app.cli import app as cli
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.life import formats
from kaigo_kiban.registry.models import Organization
from tests.factories import INSURER_NO, actor_for, make_person
from tests.life.conftest import form_row, life_file, user_row
from tests.person.conftest import web_sign_in
from tests.webapp import build_app

CM = "1310000011"
P = "0000000401"


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    harness = build_app(f"sqlite:///{tmp_path / 'l.db'}", tmp_path, demo_mode=True)
    with unit_of_work(harness.sessions()) as db:
        make_person(db, P, name_kanji="試験 三郎")
        access.record_consent(
            db, INSURER_NO, P, "MUNICIPALITY_APPLICATION", dt.date(2020, 1, 1), "t"
        )
        org = db.scalar(select(Organization).where(Organization.code == CM))
        access.register_assignment(
            db,
            actor_for(org, "care_manager", service_types=("43",)),
            INSURER_NO,
            P,
            "43",
            "MYNUMBER_CARD",
        )
        card = demo_cards.issue_demo_card(db, harness.settings, INSURER_NO, P)
    return harness, card


def _user() -> dict[str, str]:
    return user_row(P, care_facility_id=CM, service_code="43")


def _form(number: str, day: dt.date, **extra: str) -> dict[str, str]:
    return form_row(
        P, number, day.strftime("%Y%m%d"), care_facility_id=CM, service_code="43", **extra
    )


def test_an_office_sends_files_and_the_office_and_person_see_the_chart(tmp_path: Path) -> None:
    harness, card = _app(tmp_path)
    client, cm = harness.client, harness.headers("cm")
    today = dt.date.today() - dt.timedelta(days=1)
    sent = client.post(
        "/api/v1/life/files",
        files={"file": ("user.csv", life_file(formats.USER_INFO, [_user()]), "text/csv")},
        headers=cm,
    )
    assert sent.status_code == 200 and sent.json()["files"][0]["status"] == "committed"
    forms = [_form("1", today - dt.timedelta(days=60), barthel_transfer="1"), _form("2", today)]
    files = {"file": ("form.csv", life_file(formats.FORM_0000, forms), "text/csv")}
    assert client.post("/api/v1/life/files", files=files, headers=cm).status_code == 200

    wrong = life_file(
        formats.USER_INFO, [user_row(P, care_facility_id="1310000029", service_code="43")]
    )
    refused = client.post(
        "/api/v1/life/files", files={"file": ("w.csv", wrong, "text/csv")}, headers=cm
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["code"] == "LIFE-NOT-YOUR-OFFICE"
    city = client.post("/api/v1/life/files", files=files, headers=harness.headers("city"))
    assert city.status_code == 403 and city.json()["error"]["code"] == "LIFE-NOT-OFFICE"

    page = client.get(f"/office/persons/{P}/life?insurer_no={INSURER_NO}", headers=cm)
    assert page.status_code == 200
    assert 'role="img"' in page.text and '<title id="life-chart-title">' in page.text
    assert '<desc id="life-chart-desc">2回の評価' in page.text and "<polyline" in page.text
    assert "<td>90</td>" in page.text and "<td>100</td>" in page.text  # the table fallback
    assert (
        client.get(f"/api/v1/insured/{P}/life?insurer_no={INSURER_NO}", headers=cm).json()[
            "assessments"
        ][1]["barthel_total"]
        == 100
    )
    denied = client.get(f"/api/v1/insured/{P}/life", headers=harness.headers("city"))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "ACCESS-POLICY"

    web_sign_in(client, card)
    mine = client.get("/me")
    assert 'role="img"' in mine.text and "10点 上がっています" in mine.text


def test_the_municipal_page_shows_only_suppressed_aggregates(tmp_path: Path) -> None:
    harness, _card = _app(tmp_path)
    page = harness.client.get("/municipal/life", headers=harness.headers("city"))
    assert page.status_code == 200 and "10人未満" in page.text
    body = harness.client.get(
        "/api/v1/municipal/life/aggregates", headers=harness.headers("city")
    ).json()
    assert body["total"] is None and all(c is None for row in body["rows"] for c in row["counts"])
    office = harness.client.get("/api/v1/municipal/life/aggregates", headers=harness.headers("cm"))
    assert office.status_code == 403


def test_the_cli_takes_a_file_for_an_office(tmp_path: Path) -> None:
    harness, _card = _app(tmp_path)
    path = tmp_path / "SERVICE_USER_INFO.csv"
    path.write_bytes(life_file(formats.USER_INFO, [_user()], encoding="cp932"))
    url = harness.settings.database_url
    ok = CliRunner().invoke(
        cli, ["--db", url, "life", "ingest", str(path), "--office", CM, "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert '"status": "committed"' in ok.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"FORM_9999\r\n")
    refused = CliRunner().invoke(cli, ["--db", url, "life", "ingest", str(bad), "--office", CM])
    assert refused.exit_code == 1 and "LIFE-UNKNOWN-INTERFACE" in refused.output
