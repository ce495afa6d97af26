"""Every resource the façade emits is valid FHIR and says what the cards say."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from kaigo_kiban.access.models import Consent
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.fhir import mapping
from kaigo_kiban.fhir import rules as r
from tests.factories import INSURER_NO
from tests.fhir.validate import valid
from tests.fhir.world import INSURED_NO, INSURED_SYSTEM, PATIENT_ID
from tests.webapp import AppHarness

EN = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"


def _get(world: AppHarness, url: str, login: str = "city", **params: Any) -> dict[str, Any]:
    response = world.client.get(url, params=params, headers=world.headers(login))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    return valid(response.json())


def test_patient_carries_the_insured_number_and_both_names(world: AppHarness) -> None:
    patient = _get(world, f"/fhir/Patient/{PATIENT_ID}")
    [identifier] = patient["identifier"]
    assert (identifier["system"], identifier["value"]) == (INSURED_SYSTEM, INSURED_NO)
    assert identifier["assigner"]["identifier"] == {"system": r.SID_INSURER_NO, "value": INSURER_NO}
    by_kind = {n["extension"][0]["valueCode"]: n for n in patient["name"]}
    assert all(n["extension"][0]["url"] == EN and n["use"] == "official" for n in patient["name"])
    assert (by_kind["IDE"]["family"], by_kind["IDE"]["given"]) == ("山田", ["太郎"])
    assert by_kind["SYL"]["text"] == "ヤマダ タロウ"
    assert (patient["gender"], patient["birthDate"]) == ("male", "1945-03-15")


def test_coverage_is_the_card_valid_on_the_date_with_care_level_payor_and_copay(
    world: AppHarness,
) -> None:
    bundle = _get(world, "/fhir/Coverage", beneficiary=f"Patient/{PATIENT_ID}", date="2025-09-01")
    [entry] = bundle["entry"]
    coverage = entry["resource"]
    assert coverage["id"] == f"{PATIENT_ID}-2"
    assert coverage["period"] == {"start": "2025-04-01"}
    assert coverage["class"][0]["value"] == "22" and coverage["class"][0]["name"] == "要介護2"
    assert coverage["payor"][0]["reference"] == f"Organization/insurer-{INSURER_NO}"
    assert coverage["subscriberId"] == INSURED_NO
    [cost] = coverage["costToBeneficiary"]
    assert cost["valueQuantity"]["value"] == 20 and cost["valueQuantity"]["code"] == "%"
    extensions = {e["url"]: e for e in coverage["extension"]}
    assert extensions[r.EXT_CERT_PERIOD]["valuePeriod"] == {
        "start": "2025-04-01",
        "end": "2027-03-31",
    }
    assert extensions[r.EXT_LIMIT_UNITS]["valueInteger"] == 19705


def test_an_earlier_date_gives_the_earlier_card_and_its_copay(world: AppHarness) -> None:
    bundle = _get(world, "/fhir/Coverage", patient=PATIENT_ID, date="2024-09-01")
    coverage = bundle["entry"][0]["resource"]
    assert coverage["id"] == f"{PATIENT_ID}-1"
    assert coverage["costToBeneficiary"][0]["valueQuantity"]["value"] == 10


def test_organizations_insurer_office_and_municipality(world: AppHarness) -> None:
    insurer = _get(world, f"/fhir/Organization/insurer-{INSURER_NO}")
    office = _get(world, "/fhir/Organization/office-1310000011")
    municipality = _get(world, f"/fhir/Organization/municipality-{INSURER_NO}")
    assert insurer["identifier"] == [{"system": r.SID_INSURER_NO, "value": INSURER_NO}]
    assert office["identifier"] == [{"system": r.SID_OFFICE_NO, "value": "1310000011"}]
    assert {"system": r.CS_SERVICE_TYPE, "code": "43"} in office["type"][1]["coding"]
    assert municipality["partOf"]["reference"] == f"Organization/insurer-{INSURER_NO}"


def test_audit_events_look_like_balp_patient_reads(world: AppHarness) -> None:
    world.client.get(f"/fhir/Patient/{PATIENT_ID}", headers=world.headers("cm"))
    bundle = _get(world, "/fhir/AuditEvent", patient=f"Patient/{PATIENT_ID}")
    events = [e["resource"] for e in bundle["entry"]]
    read = next(
        e for e in events if any(a.get("who", {}).get("display") == "cm" for a in e["agent"])
    )
    assert read["type"]["code"] == "rest" and read["subtype"][0]["code"] == "read"
    assert read["action"] == "R" and read["outcome"] == "0"
    user, org = read["agent"]
    assert user["requestor"] is True and user["role"][0]["coding"][0]["code"] == "care_manager"
    assert org["who"]["reference"] == "Organization/office-1310000011"
    assert read["entity"][0]["what"]["reference"] == f"Patient/{PATIENT_ID}"
    assert read["entity"][1]["detail"][0] == {"type": "data_kind", "valueString": "insurance_card"}


def test_capability_statement_lists_what_is_served(world: AppHarness) -> None:
    response = world.client.get("/fhir/metadata")
    statement = valid(response.json())
    types = {res["type"] for res in statement["rest"][0]["resource"]}
    assert {"Patient", "Coverage", "Organization", "Consent", "AuditEvent"} <= types
    assert statement["fhirVersion"] == "4.0.1"


def test_errors_are_operation_outcomes_with_the_stable_code(world: AppHarness) -> None:
    cases = [
        (world.client.get(f"/fhir/Patient/{PATIENT_ID}"), 401, "AUTH-REQUIRED"),
        (
            world.client.get(f"/fhir/Patient/{PATIENT_ID}", headers=world.headers("helper")),
            403,
            "ACCESS-NO-ASSIGNMENT",
        ),
        (
            world.client.get("/fhir/Patient/nope", headers=world.headers("city")),
            404,
            "FHIR-NOT-FOUND",
        ),
        (world.client.get("/fhir/Basic", headers=world.headers("city")), 404, "FHIR-NOT-SUPPORTED"),
        (
            world.client.get(
                "/fhir/AuditEvent",
                params={"patient": PATIENT_ID, "date": "ge2026-13"},
                headers=world.headers("city"),
            ),
            422,
            "FHIR-DATE-INVALID",
        ),
        (
            world.client.get(
                "/fhir/Coverage", params={"_count": "0"}, headers=world.headers("city")
            ),
            422,
            "KK-INVALID",
        ),
    ]
    for response, status, code in cases:
        outcome = valid(response.json())
        assert response.status_code == status, response.text
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["details"]["coding"][0]["code"] == code


def test_consent_maps_the_blanket_consent(world: AppHarness) -> None:
    with unit_of_work(world.sessions()) as db:
        consent = valid(mapping.consent(db.scalars(select(Consent)).one()))
    assert consent["status"] == "active"
    assert consent["provision"] == {"type": "permit", "period": {"start": "2024-04-01"}}
    assert consent["patient"]["reference"] == f"Patient/{PATIENT_ID}"
    assert consent["extension"][0]["valueCoding"]["code"] == "MUNICIPALITY_APPLICATION"


def test_barthel_scores_are_observations() -> None:
    from kaigo_kiban.life.trends import TrendRow

    row = TrendRow(dt.date(2026, 4, 1), "試験デイサービス", 85, None, None, None, None)
    observation = valid(mapping.barthel_observation(INSURER_NO, INSURED_NO, row, 1))
    assert observation["valueInteger"] == 85
    assert observation["subject"]["reference"] == f"Patient/{PATIENT_ID}"


def test_delivered_care_plans_are_document_references() -> None:
    from kaigo_kiban.careplan.delivery import DeliveredPlan

    plan = DeliveredPlan(
        delivery_id=7,
        transfer_id=3,
        record_type="1",
        title="居宅サービス計画書 (1)",
        plan_date="20260401",
        office_no="1310000011",
        office_name="試験居宅介護支援",
        delivered_at=dt.datetime(2026, 4, 2, 1, 0, tzinfo=dt.UTC),
        state="SUPERSEDED",
        state_label="差替済",
        file_name="PLAN.CSV",
        sheets=[],
    )
    document = valid(mapping.care_plan_document(INSURER_NO, INSURED_NO, plan))
    assert document["status"] == "superseded"
    assert document["author"][0]["reference"] == "Organization/office-1310000011"


def test_coverage_says_pending_application_restriction_address_exception_as_extensions() -> None:
    """The card as a care office needs it, in FHIR: documented extensions (docs/fhir.md),
    and the resource stays valid R4."""
    from kaigo_kiban.cards.models import InsuranceCard

    card = InsuranceCard(
        insurer_no=INSURER_NO,
        insured_no=INSURED_NO,
        history_no=3,
        valid_from=dt.date(2024, 4, 1),
        deleted=False,
        care_level="22",
        application_kind="3",
        application_status="2",
        applied_on=dt.date(2024, 9, 1),
        benefit_cut_from=dt.date(2024, 7, 1),
        benefit_cut_to=dt.date(2025, 6, 30),
        address_exception="2",
        facility_insurer_no="271004",
    )
    resource = valid(mapping.coverage(card, None, None))
    by_url = {e["url"]: e for e in resource["extension"]}
    pending = {p["url"]: p for p in by_url[r.EXT_APPLICATION_PENDING]["extension"]}
    assert pending["kind"]["valueCoding"]["display"] == "区分変更申請"
    assert pending["appliedOn"]["valueDate"] == "2024-09-01"
    restriction = {p["url"]: p for p in by_url[r.EXT_BENEFIT_RESTRICTION]["extension"]}
    assert restriction["kind"]["valueCode"] == "benefit-rate-reduction"
    assert restriction["period"]["valuePeriod"] == {"start": "2024-07-01", "end": "2025-06-30"}
    exception = {p["url"]: p for p in by_url[r.EXT_ADDRESS_EXCEPTION]["extension"]}
    assert exception["facilityInsurer"]["valueString"] == "271004"
    assert r.EXT_PLATFORM_FACT not in by_url
