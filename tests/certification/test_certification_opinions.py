"""主治医意見書: draft → submit → the municipality pulls it; field checks; signatures that any
later change breaks; the clinic's access window."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.certification.cases.models import CertEvent, CertMilestone
from kaigo_kiban.certification.opinions import exchange, signing
from kaigo_kiban.certification.opinions import form as opinion_form
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.certification.opinions.models import OpinionRequest
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kaigo_kiban.pki import service as pki
from tests.certification.conftest import (
    CLINIC_CODE,
    PERSON,
    World,
    application_row,
    complete_opinion,
    request_row,
)
from tests.factories import INSURER_NO

APP = "2026000001"


def _request(db: Session, world: World) -> OpinionRequest:
    world.send(db, "cert_application", [application_row()])
    assert world.send(db, "opinion_request", [request_row()]).status == "committed"
    request = db.scalar(select(OpinionRequest))
    assert request is not None
    return request


def test_draft_keeps_incomplete_content_and_reports_only_malformed_values(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    draft, problems = opinions.save_draft(
        db,
        world.settings,
        world.clinic,
        request.id,
        {"s1_dx1_name": "脳梗塞後遺症", "s3_height": "abc", "s1_stability": "9"},
    )
    assert draft.status == "draft" and draft.content["s1_dx1_name"] == "脳梗塞後遺症"
    assert set(problems) == {"s3_height", "s1_stability"}
    assert all(problems.values())


def test_submission_lists_every_missing_item_and_changes_nothing_then_succeeds(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    with pytest.raises(opinions.OpinionInvalid) as caught:
        opinions.submit(
            db, world.settings, world.clinic, request.id, complete_opinion(s1_course=None)
        )
    assert caught.value.details == {"s1_course": "経過及び治療内容を入力してください"}
    assert request.status == "open"

    conditional = complete_opinion(s3_bpsd="2", s4_infection="2", h_last_exam_on="2026-04-13")
    with pytest.raises(opinions.OpinionInvalid) as caught:
        opinions.submit(db, world.settings, world.clinic, request.id, conditional)
    assert set(caught.value.details) == {"s3_bpsd_list", "s4_infection_name", "h_last_exam_on"}

    opinion = opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    assert opinion.status == "submitted" and request.status == "submitted"
    received = db.get(CertMilestone, (INSURER_NO, APP, "22"))
    assert received is not None and received.day == today_jst()
    event = db.scalar(select(CertEvent).where(CertEvent.field == "opinion_received_on"))
    assert event is not None and event.source == f"opinion:{opinion.id}"
    with pytest.raises(Conflict):
        opinions.save_draft(db, world.settings, world.clinic, request.id, complete_opinion())


def test_municipality_pulls_submitted_opinions_once_with_the_cursor(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    opinions.save_draft(db, world.settings, world.clinic, request.id, complete_opinion())
    first, cursor = exchange.pull_submitted(db, world.settings, world.city, None)
    assert first == [] and cursor is None
    opinions.submit(db, world.settings, world.clinic, request.id)
    pulled, cursor = exchange.pull_submitted(db, world.settings, world.city, None)
    assert [o["application_no"] for o in pulled] == [APP]
    assert pulled[0]["content"]["s1_dx1_name"] == "脳梗塞後遺症"
    assert pulled[0]["signature"] is None
    assert cursor is not None
    again, _ = exchange.pull_submitted(
        db, world.settings, world.city, dt.datetime.fromisoformat(cursor)
    )
    assert again == []


def test_only_the_requested_clinics_physicians_and_clerks_may_write(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    with pytest.raises(PermissionDenied) as office:
        opinions.save_draft(db, world.settings, world.cm, request.id, {})
    assert office.value.code == "CT-CLINIC-ONLY"
    other = replace(world.clinic, organization_code="1310000045", organization_id=999)
    with pytest.raises(NotFound):
        opinions.save_draft(db, world.settings, other, request.id, {})
    nurse = replace(world.clinic, job_type="nurse")
    with pytest.raises(AccessDenied) as denied:
        opinions.save_draft(db, world.settings, nurse, request.id, {})
    assert denied.value.decision.reason == "POLICY"
    clerk = replace(world.clinic, job_type="medical_clerk")
    draft, _ = opinions.save_draft(db, world.settings, clerk, request.id, {"s5_notes": "下書き"})
    assert draft.content["s5_notes"] == "下書き"


def test_submitted_request_keeps_access_for_a_while_then_closes(db: Session, world: World) -> None:
    request = _request(db, world)
    opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    assert access.has_open_opinion_request(db, world.clinic_org_id, INSURER_NO, PERSON)
    request.requested_on = today_jst() - dt.timedelta(days=151)  # as a correction would
    opinions.sync_access(db, request)
    assert not access.has_open_opinion_request(db, world.clinic_org_id, INSURER_NO, PERSON)
    listed = opinions.clinic_authored(db, world.settings, world.clinic)
    assert [(o.id, p) for o, p in listed] == [(listed[0][0].id, None)]


def _doctor(world: World, code: str = CLINIC_CODE) -> pki.IssuedCertificate:
    ca_dir = pki.default_ca_dir(world.settings)
    ca = pki.load_ca(ca_dir) if (ca_dir / pki.CA_CERT).exists() else pki.init_ca(ca_dir)
    return pki.issue_doctor_certificate(ca, code, "試験 医師")


def _pem(issued: pki.IssuedCertificate) -> str:
    from kaigo_kiban.pki.chain import certificate_pem

    return certificate_pem(issued.certificate)


def test_signature_verifies_and_any_change_after_signing_is_detected(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    opinion = opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    doctor = _doctor(world)
    data = opinions.canonical(opinion)
    assert data == signing.canonical_json(opinions.document(opinion))
    assert b'"s1_dx1_name":"\xe8\x84\xb3' in data  # UTF-8, not \\u escapes; sorted, compact
    exchange.attach_signature(
        db, world.settings, world.clinic, opinion.id, signing.sign(doctor.key, data), _pem(doctor)
    )
    assert exchange.verify(world.settings, opinion).valid

    opinion.content = {**opinion.content, "s4_outlook": "2"}  # one field changed afterwards
    db.flush()
    check = exchange.verify(world.settings, opinion)
    assert (check.signed, check.valid, check.code) == (True, False, "PKI-SIGNATURE-INVALID")


def test_signature_of_another_institutions_doctor_or_over_other_bytes_is_refused(
    db: Session, world: World
) -> None:
    request = _request(db, world)
    opinion = opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    stranger = _doctor(world, "1310000045")
    data = opinions.canonical(opinion)
    with pytest.raises(InvalidInput) as caught:
        exchange.attach_signature(
            db,
            world.settings,
            world.clinic,
            opinion.id,
            signing.sign(stranger.key, data),
            _pem(stranger),
        )
    assert caught.value.code == "CT-SIGNER-INSTITUTION"
    doctor = _doctor(world)
    with pytest.raises(Exception) as caught_bytes:
        exchange.attach_signature(
            db,
            world.settings,
            world.clinic,
            opinion.id,
            signing.sign(doctor.key, data + b" "),
            _pem(doctor),
        )
    assert getattr(caught_bytes.value, "code", "") == "PKI-SIGNATURE-INVALID"
    assert opinion.signature is None


def test_form_definition_covers_the_official_sections_and_ids_are_unique(tmp_path: Path) -> None:
    titles = [s.title for s in opinion_form.SECTIONS]
    assert titles[1:] == [
        "1. 傷病に関する意見",
        "2. 特別な医療（過去14日間以内に受けた医療のすべてにチェック）",
        "3. 心身の状態に関する意見",
        "4. 生活機能とサービスに関する意見",
        "5. 特記すべき事項",
    ]
    ids = [f.id for s in opinion_form.SECTIONS for g in s.groups for f in g.fields]
    assert len(ids) == len(set(ids)) == len(opinion_form.FIELDS)
    for spec in opinion_form.FIELDS.values():
        if spec.required_if:
            assert spec.required_if[0] in opinion_form.FIELDS
    assert opinion_form.validate(complete_opinion(), final=True, today=today_jst()) == {}


def test_a_signature_made_with_the_sign_file_command_is_accepted(
    db: Session, world: World, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from typer.testing import CliRunner

    from kaigo_kiban.certification.opinions.commands import app

    request = _request(db, world)
    opinion = opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    doctor = _doctor(world)
    document = tmp_path / "canonical.json"
    document.write_bytes(opinions.canonical(opinion))
    key = tmp_path / "doctor.key.pem"
    key.write_bytes(
        doctor.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    result = CliRunner().invoke(app, ["sign-file", str(document), "--key", str(key)])
    assert result.exit_code == 0, result.output
    exchange.attach_signature(
        db, world.settings, world.clinic, opinion.id, result.output.strip(), _pem(doctor)
    )
    assert exchange.verify(world.settings, opinion).valid


def test_a_clerk_prepares_the_draft_but_only_a_physician_submits(db: Session, world: World) -> None:
    from kaigo_kiban.audit.models import AuditEvent

    request = _request(db, world)
    clerk = replace(world.clinic, job_type="medical_clerk")
    opinions.save_draft(db, world.settings, clerk, request.id, complete_opinion())
    with pytest.raises(PermissionDenied) as refused:
        opinions.submit(db, world.settings, clerk, request.id)
    assert refused.value.code == "CT-PHYSICIAN-ONLY"
    denial = db.scalars(select(AuditEvent).where(AuditEvent.reason == "PHYSICIAN-ONLY")).one()
    assert (denial.outcome, denial.job_type, denial.data_kind) == (
        "denied",
        "medical_clerk",
        "opinion",
    )
    assert opinions.submit(db, world.settings, world.clinic, request.id).status == "submitted"


def test_a_clinic_sees_only_its_own_past_opinions(db: Session, world: World) -> None:
    from tests.factories import grant_for

    request = _request(db, world)
    opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    grant = grant_for(INSURER_NO, PERSON, "opinion")
    mine = opinions.prior_opinions(db, grant, institution_code=CLINIC_CODE)
    assert [o.request_id for o in mine] == [request.id]
    assert opinions.prior_opinions(db, grant, institution_code="1310000045") == []


def test_the_request_reaches_the_clinic_without_comprehensive_consent(
    db: Session, world: World
) -> None:
    """The opinion request is the legal basis: the clinic sees it (and may write the opinion)
    even when the person has withdrawn 包括同意; other data still needs consent."""
    from kaigo_kiban.access.models import Consent
    from kaigo_kiban.core.clock import utcnow

    request = _request(db, world)
    for consent in db.scalars(select(Consent).where(Consent.insured_no == PERSON)):
        consent.withdrawn_at = utcnow()
    db.flush()
    listed = opinions.clinic_requests(db, world.settings, world.clinic)
    assert [row.request.id for row in listed] == [request.id]
    opinion = opinions.submit(db, world.settings, world.clinic, request.id, complete_opinion())
    assert opinion.status == "submitted"
    cards_denied = access.open_person(
        db, world.settings, world.clinic, INSURER_NO, PERSON, ["insurance_card"]
    ).refused
    assert cards_denied["insurance_card"].reason in ("CONSENT-WITHDRAWN", "POLICY")


def test_a_physician_s_no_to_care_plan_use_hides_the_opinion_from_offices(
    db: Session, world: World
) -> None:
    from kaigo_kiban.certification.casefile.reading import case_view

    request = _request(db, world)
    opinion = opinions.submit(
        db, world.settings, world.clinic, request.id, complete_opinion(h_consent="2")
    )
    office = case_view(db, world.settings, world.cm, INSURER_NO, PERSON)
    assert office["opinion"]["denied"]["code"] == "PHYSICIAN-NO-CONSENT"
    city = case_view(db, world.settings, world.city, INSURER_NO, PERSON)
    assert "denied" not in (city["opinion"] or {})
    with pytest.raises(PermissionDenied) as refused:
        opinions.read_opinion(db, world.settings, world.cm, opinion.id)
    assert refused.value.code == "PHYSICIAN-NO-CONSENT"
    assert opinions.read_opinion(db, world.settings, world.city, opinion.id).id == opinion.id
    other_clinic = replace(world.clinic, organization_code="1310000045", organization_id=999)
    with pytest.raises(NotFound):
        opinions.read_opinion(db, world.settings, other_clinic, opinion.id)
