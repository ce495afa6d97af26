"""Factories: build test data through the same paths the product uses (files → ingest)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards.formats import COPAY_CARD, COST_CAP_CERT, INSURANCE_CARD, REDUCTION_CERT
from kaigo_kiban.core import grant_seal
from kaigo_kiban.core.grants import Decision, Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import Layout, format_csv_line, header_line
from kaigo_kiban.ingest.service import FileReport, IngestRejected, ingest_file
from kaigo_kiban.registry import service as registry

INSURER_NO = "131016"
LAYOUTS = {
    layout.kind: layout for layout in (INSURANCE_CARD, COPAY_CARD, COST_CAP_CERT, REDUCTION_CERT)
}
_seq = itertools.count(1)


def ymd(day: dt.date | str | None) -> str:
    if day is None:
        return ""
    if isinstance(day, str):
        return day
    return day.strftime("%Y%m%d")


def insurance_card_row(insured_no: str = "0000000001", **overrides: Any) -> dict[str, str]:
    row = {
        "change_date": "20240401",
        "change_kind": "1",
        "change_reason": "01",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "name_kana": "ヤマダ タロウ",
        "birth_date": "19450315",
        "sex": "1",
        "qualified_on": "20100315",
        "care_level": "21",
        "cert_valid_from": "20240401",
        "cert_valid_to": "20250331",
        "plan_kind": "1",
        "plan_office_no": "1310100001",
        "plan_valid_from": "20240401",
        "benefit_limit_units": "16765",
        "history_no": "1",
        "valid_from": "20240401",
        "issued_on": "20240401",
        "name_kanji": "山田 太郎",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田一丁目1-1",
    }
    row.update({k: ymd(v) if isinstance(v, dt.date) else str(v) for k, v in overrides.items()})
    return row


def copay_card_row(insured_no: str = "0000000001", **overrides: Any) -> dict[str, str]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "ratio": "1",
        "history_no": "1",
        "valid_from": "20240801",
        "valid_to": "20250731",
        "issued_on": "20240715",
    }
    row.update({k: ymd(v) if isinstance(v, dt.date) else str(v) for k, v in overrides.items()})
    return row


def card_file_text(layout: Layout, rows: list[dict[str, str]], *, header: bool = True) -> str:
    lines = [header_line(layout)] if header else []
    lines += [format_csv_line([row.get(name, "") for name in layout.names]) for row in rows]
    return "".join(line + "\r\n" for line in lines)


def card_file_name(kind: str, insurer_no: str = INSURER_NO, ext: str = "csv") -> str:
    n = next(_seq)
    stamp = dt.datetime(2026, 11, 25, 9, 0, 0) + dt.timedelta(seconds=n)
    return f"{kind}_{insurer_no}_{stamp:%Y%m%d%H%M%S}_{n % 1000:03d}.{ext}"


def write_card_file(
    directory: Path,
    kind: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    name: str | None = None,
) -> Path:
    path = directory / (name or card_file_name(kind))
    path.write_bytes(card_file_text(LAYOUTS[kind], rows).encode(encoding))
    return path


def make_insurer(session: Session, insurer_no: str = INSURER_NO, name: str = "千代田区") -> None:
    registry.upsert_insurer(session, insurer_no, name)


def ingest(session: Session, path: Path, settings: Settings) -> FileReport:
    """Ingest like the CLI does: a rejection rolls the file back (to the test's savepoint)."""
    try:
        with session.begin_nested():
            return ingest_file(session, path, settings, kinds=KINDS, submitted_by="test")
    except IngestRejected as rejected:
        return rejected.report


def make_person(
    session: Session, insured_no: str, insurer_no: str = INSURER_NO, **fields: Any
) -> Any:
    from kaigo_kiban.registry.models import InsuredPerson

    person = InsuredPerson(
        insurer_no=insurer_no,
        insured_no=insured_no,
        name_kanji=fields.pop("name_kanji", "試験 花子"),
        name_kana=fields.pop("name_kana", "シケン ハナコ"),
        birth_date=fields.pop("birth_date", dt.date(1940, 1, 2)),
        sex=fields.pop("sex", "2"),
        qualified_on=fields.pop("qualified_on", dt.date(2005, 1, 2)),
        latest_history_no=1,
        **fields,
    )
    session.add(person)
    session.flush()
    return person


def make_org(
    session: Session,
    kind: str,
    code: str,
    name: str = "試験事業所",
    service_types: tuple[str, ...] = (),
    insurer_no: str | None = None,
) -> Any:
    from kaigo_kiban.core.clock import utcnow
    from kaigo_kiban.registry.models import OfficeService, Organization

    org = Organization(kind=kind, code=code, name=name, insurer_no=insurer_no, created_at=utcnow())
    session.add(org)
    session.flush()
    for st in service_types:
        session.add(OfficeService(organization_id=org.id, service_type=st))
    session.flush()
    return org


def actor_for(org: Any, job_type: str | None = None, **extra: Any) -> Any:
    from kaigo_kiban.accounts.rules import Actor

    types = (
        tuple(sorted(s.service_type for s in getattr(org, "_types", ())))
        if hasattr(org, "_types")
        else extra.pop("service_types", ())
    )
    return Actor(
        kind="municipality" if org.kind == "municipality" else "staff",
        display_name="試験 職員",
        account_id=None,
        organization_id=org.id,
        organization_kind=org.kind,
        organization_code=org.code,
        organization_name=org.name,
        service_types=types,
        job_type=job_type,
        insurer_no=org.insurer_no,
        **extra,
    )


def write_rows_file(
    directory: Path, layout: Layout, rows: list[dict[str, str]], insurer_no: str = INSURER_NO
) -> Path:
    """A municipal CSV of any layout (header + rows in layout order)."""
    path = directory / card_file_name(layout.kind, insurer_no)
    path.write_bytes(card_file_text(layout, rows).encode("utf-8"))
    return path


def make_careplan_exchange(
    session: Session,
    settings: Settings,
    insured_no: str = "0000000001",
    insurer_no: str = INSURER_NO,
    *,
    sender_code: str = "1310000011",
    receiver_code: str = "1310000029",
) -> list[int]:
    """Two care-plan files sent by the office ``sender_code`` (43) to ``receiver_code`` (11)
    through the real mailbox: a 第6表 (UPPLAN, 2025-05) and a 第1表 (UP1KYO) for one person.

    The person needs consent and the sender's assignment already; the receiver's assignment
    (type 11) is registered here so it can open the files. Returns the transfer ids.
    """
    from sqlalchemy import select

    from kaigo_kiban.access import service as access
    from kaigo_kiban.careplan import mailbox as careplan
    from kaigo_kiban.careplan.codec.filenames import FileName
    from kaigo_kiban.careplan.codec.formats import build_careplan
    from kaigo_kiban.registry.models import Organization

    orgs = {
        o.code: o
        for o in session.scalars(
            select(Organization).where(Organization.code.in_([sender_code, receiver_code]))
        )
    }
    sender = actor_for(orgs[sender_code], "care_manager", service_types=("43",))
    receiver = actor_for(orgs[receiver_code], "care_worker", service_types=("11",))
    access.register_assignment(session, receiver, insurer_no, insured_no, "11", "MYNUMBER_CARD")
    common = {"csv_version": "202407", "insurer_no": insurer_no, "insured_no": insured_no}
    usage = {
        **common,
        "created_on": "20250425",
        "target_month": "202505",
        "units": "387",
        "service_date": "20250512",
        "start_time": "1000",
        "end_time": "1045",
        "service_count": "1",
        "service_code": "111211",
        "provider_office_no": receiver_code,
        "over_30_days": "0",
        "updater_office_no": sender_code,
    }
    plan = {
        **common,
        "created_on": "20250401",
        "plan_date": "20250401",
        "overall_policy": "在宅生活を続けられるよう支援します。",
        "updater_office_no": sender_code,
    }
    ids = []
    for record_type, row, month in (("UPPLAN", usage, "202505"), ("UP1KYO", plan, None)):
        name = FileName(
            record_type, sender_code, receiver_code, "20250425120000", month, "43", "11"
        )
        built = build_careplan(record_type, [row], name)
        result = careplan.send_file(session, settings, sender, built.to_bytes(), str(name))
        ids.append(result.view.transfer.id)
    return ids


def complete_opinion_content(**overrides: Any) -> dict[str, Any]:
    """主治医意見書 content that passes every check of the form (synthetic)."""
    content: dict[str, Any] = {
        "h_written_on": "2026-04-12",
        "h_doctor_name": "試験 医師",
        "h_institution_name": "試験内科クリニック",
        "h_last_exam_on": "2026-04-10",
        "h_times": "1",
        "h_other_dept": "2",
        "s1_dx1_name": "脳梗塞後遺症",
        "s1_dx1_onset": "令和5年4月頃",
        "s1_stability": "1",
        "s1_course": "令和5年に脳梗塞を発症。右片麻痺が残り、抗血小板薬を内服中。",
        "s2_treatment": ["05"],
        "s3_physical": "4",
        "s3_dementia": "3",
        "s3_memory": "2",
        "s3_decision": "2",
        "s3_communication": "1",
        "s3_bpsd": "1",
        "s3_psych": "1",
        "s3_body": ["02"],
        "s3_paralysis_parts": ["01", "03"],
        "s3_paralysis_degree": "2",
        "s3_height": "158",
        "s3_weight": "52.5",
        "s4_outdoor_walk": "2",
        "s4_wheelchair": "1",
        "s4_eating": "1",
        "s4_nutrition": "1",
        "s4_outlook": "1",
        "s4_infection": "1",
        "s5_notes": "転倒に注意。",
    }
    return {**content, **overrides}


def make_certification_case(
    session: Session,
    settings: Settings,
    insured_no: str = "0000000001",
    *,
    application_no: str = "2026000001",
    clinic_code: str = "1310000037",
    office_code: str = "1310000011",
) -> dict[str, str]:
    """A certification case for route tests, through the real paths: an application file, an
    open opinion request to the clinic ``clinic_code`` (created, with a physician account
    ``clinic``), a complete draft opinion (the first one: id 1) and a pending 居宅サービス計画
    作成依頼届出 (id 1) of the office ``office_code`` (43).

    The person needs consent and the office's assignment already. Returns ``{"clinic": TOTP
    secret}`` for ``AppHarness.secrets`` (the account's password is ``tests.webapp.PASSWORD``).
    """
    from sqlalchemy import select

    from kaigo_kiban.accounts import service as accounts
    from kaigo_kiban.certification.cases.formats import CERT_APPLICATION
    from kaigo_kiban.certification.notices import service as notices
    from kaigo_kiban.certification.opinions import service as opinions
    from kaigo_kiban.core.clock import today_jst
    from kaigo_kiban.registry.models import Organization
    from tests.webapp import PASSWORD

    today = today_jst()
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "application_no": application_no,
        "application_kind": "1",
        "applied_on": ymd(today - dt.timedelta(days=10)),
    }
    report = ingest(
        session, write_rows_file(Path(settings.data_dir), CERT_APPLICATION, [row]), settings
    )
    assert report.status == "committed", report.to_dict()
    request = opinions.create_request(
        session,
        INSURER_NO,
        insured_no,
        application_no,
        clinic_code,
        today - dt.timedelta(days=2),
        due_on=None,
        doctor_name=None,
        created_by="test",
    )
    clinic = make_org(session, "medical", clinic_code, "試験内科クリニック")
    account = accounts.create_account(
        session,
        organization_id=clinic.id,
        login_id="clinic",
        display_name="試験 医師",
        job_type="physician",
        password=PASSWORD,
    )
    opinions.save_draft(
        session, settings, actor_for(clinic, "physician"), request.id, complete_opinion_content()
    )
    office = session.scalar(select(Organization).where(Organization.code == office_code))
    notices.submit_notice(
        session,
        settings,
        actor_for(office, "care_manager", service_types=("43",)),
        insurer_no=INSURER_NO,
        insured_no=insured_no,
        plan_valid_from=today,
    )
    return {"clinic": account.totp_secret}


def person_session_cookie(
    session: Session, settings: Settings, insured_no: str, insurer_no: str = INSURER_NO
) -> str:
    """The ``kk_person`` cookie of an insured person signed in to the portal for real: a demo
    card is issued and linked (which installs the demo card CA in the trust directory, so this
    works in demo mode and outside it alike), and its signature over a portal challenge
    verified."""
    from kaigo_kiban.identity import service as identity
    from kaigo_kiban.person import service as person
    from kaigo_kiban.pki import chain

    card = demo_cards.issue_demo_card(session, settings, insurer_no, insured_no)
    challenge = person.issue_challenge(session)
    signed = person.sign_in_with_card(
        session,
        settings,
        challenge_id=challenge.challenge_id,
        certificate_pem=chain.certificate_pem(card.certificate),
        signature=identity.sign_challenge(card.key, challenge.challenge),
    )
    return signed.secret


def install_card_trust(settings: Settings, ca_dir: Path) -> None:
    """Install a card CA as a real deployment would (J-LIS): its certificate and a fresh CRL in
    ``<data_dir>/card-trust``, the key staying in ``ca_dir``."""
    from kaigo_kiban.identity import service as identity
    from kaigo_kiban.pki import chain
    from kaigo_kiban.pki import service as pki

    ca = pki.load_ca(ca_dir)
    crl = pki.publish_crl(ca)
    trust = identity.card_trust_dir(settings)
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "jlis-ca.pem").write_text(chain.certificate_pem(ca.certificate))
    pki.write_crl(crl, trust / "jlis-ca.crl")


@dataclass
class PortalWorld:
    """Organisations of the portal's areas (subsidies, readiness, help desk), all synthetic."""

    visit: Actor  # 訪問介護 (11): 訪問・通所・短期滞在系, 3 readers, 64,000 円
    residential: Actor  # 特養 (51): 居住・入所系, 2 readers, 55,000 円
    clinic: Actor  # 診療所, 0 beds: 3/4, 398,000 円
    other: Actor  # another office
    operator: Actor
    city: Actor


def make_portal_world(session: Session) -> PortalWorld:
    """Applicant offices, a clinic, an operator and a municipality, each as an actor."""
    visit = make_org(session, "office", "1310000037", "試験ヘルパーステーション", ("11",))
    residential = make_org(session, "office", "1310000045", "試験特別養護老人ホーム", ("51",))
    clinic = make_org(session, "medical", "1310000052", "試験内科クリニック")
    clinic.beds = 0
    other = make_org(session, "office", "1310000060", "試験デイサービス", ("15",))
    ops = make_org(session, "operator", "OPTEST", "試験運用チーム")
    city = make_org(session, "municipality", "139999", "試験市 介護保険課")
    session.flush()
    operator = Actor(
        kind="operator",
        display_name="試験 運用",
        organization_id=ops.id,
        organization_kind="operator",
        organization_code=ops.code,
        organization_name=ops.name,
        job_type="operator",
    )
    return PortalWorld(
        actor_for(visit, "manager", service_types=("11",)),
        actor_for(residential, "manager", service_types=("51",)),
        actor_for(clinic, "medical_clerk"),
        actor_for(other, "manager", service_types=("15",)),
        operator,
        actor_for(city, "municipal_staff"),
    )


@pytest.fixture
def world(db: Session) -> PortalWorld:
    """The fixture of the subsidies, readiness and help-desk tests (their conftests import it)."""
    return make_portal_world(db)


def grant_for(insurer_no: str, insured_no: str, *kinds: str, action: str = "read") -> Grant:
    """A grant as the gate issues it, for tests of a reader on its own (the gate's decisions
    and audit rows have their own tests in tests/access)."""
    decisions = {kind: Decision(True, "TEST", "") for kind in kinds}
    return grant_seal.issue(insurer_no, insured_no, action, decisions)
