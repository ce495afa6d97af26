"""FHIR searches: who sees what, paging, and an audit event for every read of a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from kaigo_kiban.access import service as access
from kaigo_kiban.access.rules import policy_allows
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.audit.models import AuditEvent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.fhir import service
from tests.factories import INSURER_NO
from tests.fhir.validate import valid
from tests.fhir.world import INSURED_NO, INSURED_SYSTEM, PATIENT_ID
from tests.webapp import AppHarness


def _events(world: AppHarness) -> list[AuditEvent]:
    with unit_of_work(world.sessions()) as db:
        return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def _search(world: AppHarness, path: str, login: str, **params: Any) -> dict[str, Any]:
    response = world.client.get(path, params=params, headers=world.headers(login))
    assert response.status_code == 200, response.text
    return valid(response.json())


def test_a_patient_is_found_by_insured_number_and_the_search_is_audited(
    world: AppHarness,
) -> None:
    before = len(_events(world))
    bundle = _search(world, "/fhir/Patient", "cm", identifier=f"{INSURED_SYSTEM}|{INSURED_NO}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [PATIENT_ID]
    [event] = _events(world)[before:]
    assert (event.action, event.outcome, event.insured_no) == ("search", "allowed", INSURED_NO)


def test_a_patient_the_office_may_not_see_looks_like_nobody_but_is_on_record(
    world: AppHarness,
) -> None:
    unseen = _search(world, "/fhir/Patient", "helper", identifier=INSURED_NO)
    nobody = _search(world, "/fhir/Patient", "helper", identifier="0000009999")
    other_insurer = _search(
        world, "/fhir/Patient", "cm", identifier=f"{INSURED_SYSTEM[:-6]}999999|{INSURED_NO}"
    )
    assert unseen["entry"] == nobody["entry"] == other_insurer["entry"] == []
    denied = [e for e in _events(world) if e.outcome == "denied"]
    assert {(e.insured_no, e.reason) for e in denied} >= {
        (INSURED_NO, "NO-ASSIGNMENT"),
        ("0000009999", "NO-PERSON"),
    }


def test_coverage_history_comes_newest_first_in_pages(world: AppHarness) -> None:
    first = _search(world, "/fhir/Coverage", "city", patient=PATIENT_ID, _count=1)
    assert first["total"] == 2
    assert [e["resource"]["id"] for e in first["entry"]] == [f"{PATIENT_ID}-2"]
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = world.client.get(next_url, headers=world.headers("city")).json()
    assert [e["resource"]["id"] for e in second["entry"]] == [f"{PATIENT_ID}-1"]
    assert all(link["relation"] != "next" for link in second["link"])


def test_a_page_cursor_of_another_search_is_refused(world: AppHarness) -> None:
    first = _search(world, "/fhir/Coverage", "city", patient=PATIENT_ID, _count=1)
    cursor = next(link["url"] for link in first["link"] if link["relation"] == "next")
    page = cursor.split("_page=")[1]
    response = world.client.get(
        "/fhir/AuditEvent",
        params={"patient": PATIENT_ID, "_page": page},
        headers=world.headers("city"),
    )
    assert response.status_code == 422
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == "API-CURSOR-INVALID"


def test_every_fhir_read_of_a_person_writes_an_audit_event(world: AppHarness) -> None:
    urls = [
        f"/fhir/Patient/{PATIENT_ID}",
        f"/fhir/Patient?identifier={INSURED_NO}",
        f"/fhir/Coverage?beneficiary=Patient/{PATIENT_ID}&date=2025-09-01",
        f"/fhir/Coverage/{PATIENT_ID}-1",
        f"/fhir/AuditEvent?patient=Patient/{PATIENT_ID}",
    ]
    for url in urls:
        before = len(_events(world))
        assert world.client.get(url, headers=world.headers("city")).status_code == 200, url
        assert len(_events(world)) > before, url


def test_access_history_is_for_the_municipality_not_for_offices(world: AppHarness) -> None:
    response = world.client.get(
        "/fhir/AuditEvent", params={"patient": PATIENT_ID}, headers=world.headers("cm")
    )
    assert response.status_code == 403
    assert response.json()["issue"][0]["details"]["coding"][0]["code"] == "ACCESS-POLICY"
    last = _events(world)[-1]
    assert (last.data_kind, last.outcome) == ("access_history", "denied")


def test_audit_events_are_filtered_by_date(world: AppHarness) -> None:
    today = dt.datetime.now(dt.UTC).date()
    later = _search(
        world,
        "/fhir/AuditEvent",
        "city",
        patient=PATIENT_ID,
        date=f"ge{(today + dt.timedelta(days=2)).isoformat()}",
    )
    recent = _search(
        world,
        "/fhir/AuditEvent",
        "city",
        patient=PATIENT_ID,
        date=[
            f"ge{(today - dt.timedelta(days=2)).isoformat()}",
            f"lt{(today + dt.timedelta(days=2)).isoformat()}",
        ],
    )
    assert later["entry"] == []
    assert len(recent["entry"]) >= 2  # the assignment and this very read


def test_consent_search_goes_through_the_gate(world: AppHarness) -> None:
    before = len(_events(world))
    response = world.client.get(
        "/fhir/Consent", params={"patient": PATIENT_ID}, headers=world.headers("city")
    )
    if policy_allows("consent", "municipality", "municipal_staff"):
        assert response.status_code == 200
        assert valid(response.json())["entry"][0]["resource"]["status"] == "active"
    else:  # access/data/policy.csv has no consent rows yet: denied to everyone, on record
        assert response.status_code == 403
    assert len(_events(world)) == before + 1


def test_organizations_are_searched_by_number_or_name(world: AppHarness) -> None:
    by_number = _search(world, "/fhir/Organization", "helper", identifier="1310000011")
    by_name = _search(world, "/fhir/Organization", "helper", name="千代田")
    assert [e["resource"]["id"] for e in by_number["entry"]] == ["office-1310000011"]
    assert {e["resource"]["id"] for e in by_name["entry"]} == {
        f"insurer-{INSURER_NO}",
        f"municipality-{INSURER_NO}",
    }


def test_the_person_reads_their_own_access_history(world: AppHarness) -> None:
    """The person's own sign-in is built elsewhere; the service is called with a person actor."""
    me = Actor(kind="person", display_name="本人", insurer_no=INSURER_NO, insured_no=INSURED_NO)
    someone_else = Actor(
        kind="person", display_name="他人", insurer_no=INSURER_NO, insured_no="0000000002"
    )
    world.client.get(f"/fhir/Patient/{PATIENT_ID}", headers=world.headers("cm"))
    with unit_of_work(world.sessions()) as db:
        found = service.search_audit_events(db, world.settings, me, PATIENT_ID, [])
    events = [valid(resource) for _, resource in found]
    assert any(
        a.get("who", {}).get("display") == "cm" for e in events for a in e["agent"]
    )  # the office's read is visible to the person
    own = events[0]  # newest first: this read of the history itself
    assert own["agent"][0]["who"]["reference"] == f"Patient/{PATIENT_ID}"
    with unit_of_work(world.sessions()) as db:
        try:
            service.search_audit_events(db, world.settings, someone_else, PATIENT_ID, [])
        except access.AccessDenied as denied:
            assert denied.code == "ACCESS-NOT-SELF"
        else:
            raise AssertionError("another person read the history")
    with unit_of_work(world.sessions()) as db:
        assert (
            db.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.reason == "NOT-SELF")
            )
            == 1
        )
