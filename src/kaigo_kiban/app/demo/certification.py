"""Demo certification cases for the demo insurer (synthetic people only): about 30 applications
in every state (several past the 30-day norm), surveys, two open opinion requests and one
submitted opinion for the demo clinic, and one pending 居宅サービス計画作成依頼届出.

Called as ``demo.certification.seed`` (by ``demo.service``) after the demo's persons,
organisations, accounts, consents and assignments exist.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo.municipality import send_file
from kaigo_kiban.certification.cases import rules
from kaigo_kiban.certification.cases.formats import (
    APPLICATION_KIND_NAMES,
    CASE_LAYOUTS,
    MILESTONE_CODE_OF,
)
from kaigo_kiban.certification.cases.survey_items import catalogue
from kaigo_kiban.certification.notices import service as notices
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson, Organization

INSURER_NO = "149993"
CLINIC_CODE = "1410000012"
OFFICE_CODE = "1470000011"
# Open cases: (days since the application, stage reached). Stage: 0 申請, 1 調査・意見書依頼,
# 2 訪問調査, 3 意見書入手, 4 一次判定, 5 審査会予定, 6 審査会済. Those past 30 days are overdue.
OPEN = (
    (1, 0), (3, 1), (6, 1), (9, 2), (14, 2), (18, 3), (22, 4), (26, 5), (29, 5),
    (34, 2), (38, 4), (41, 5), (47, 6), (55, 3),
)  # fmt: skip
# Decided cases: (days since the application, days to the decision, care level or exit).
DECIDED = (
    (60, 28, "21"), (75, 31, "22"), (90, 35, "12"), (95, 25, "23"), (110, 42, "13"),
    (120, 29, "24"), (130, 38, "21"), (140, 45, "25"), (150, 30, "22"), (160, 52, "21"),
    (170, 27, "12"), (180, 40, "01"), (190, 33, "23"), (200, 58, "22"),
    (70, 15, "withdrawn"), (100, 20, "rejected"),
)  # fmt: skip
_STAGE_FIELDS = (
    (),
    ("survey_requested_on", "opinion_requested_on"),
    ("survey_done_on",),
    ("opinion_received_on",),
    ("primary_done_on",),
    ("panel_assigned_on", "panel_scheduled_on"),
    ("panel_done_on",),
)
_FRACTIONS = {
    "survey_requested_on": 0.05,
    "opinion_requested_on": 0.08,
    "survey_done_on": 0.3,
    "opinion_received_on": 0.5,
    "primary_done_on": 0.6,
    "panel_assigned_on": 0.7,
    "panel_scheduled_on": 0.9,
    "panel_done_on": 0.9,
}


def _persons(session: Session) -> list[InsuredPerson]:
    """Persons with consent, those assigned to the demo care-management office first."""
    consented = access.consented_persons(session, INSURER_NO)
    office = session.scalar(
        select(Organization.id).where(
            Organization.kind == "office", Organization.code == OFFICE_CODE
        )
    )
    assigned = {n for _i, n in access.open_assignments(session, office)}
    people = session.scalars(
        select(InsuredPerson)
        .where(InsuredPerson.insurer_no == INSURER_NO, InsuredPerson.disqualified_on.is_(None))
        .order_by(InsuredPerson.insured_no)
    ).all()
    eligible = [p for p in people if p.insured_no in consented]
    return sorted(eligible, key=lambda p: (p.insured_no not in assigned, p.insured_no))


def _dates(applied: dt.date, span: int, fields: list[str], today: dt.date) -> dict[str, dt.date]:
    out = {}
    for field in fields:
        offset = max(1, round(span * _FRACTIONS[field]))
        out[field] = applied + dt.timedelta(days=offset)
    if "panel_scheduled_on" in out and "panel_done_on" not in out:
        out["panel_scheduled_on"] = today + dt.timedelta(days=3)  # the panel is still to come
    return out


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _survey_row(rng: random.Random, number: str, surveyed: dt.date) -> dict[str, str]:
    """A complete 認定調査 in the intake layout (``CERT_SURVEY``)."""
    row = {"insurer_no": INSURER_NO, "application_no": number, "surveyed_on": _ymd(surveyed)}
    for item in catalogue().items:
        if item.multi:
            chosen = [1] if rng.random() < 0.6 else sorted(rng.sample(range(2, 6), 2))
            row[item.column] = " ".join(str(c) for c in chosen)
        else:
            row[item.column] = str(rng.choice([1, 1, 1, *item.options]))
    if rng.random() < 0.2:
        row["medical_05"] = "1"
    row.update(
        physical_independence=rng.choice(["2", "3", "4", "5", "6"]),
        dementia_independence=rng.choice(["1", "2", "3", "4"]),
        overview="自宅で家族と同居。日中は独居となる時間がある。",
        notes="1-7 歩行: 屋内は伝い歩き。外出時は家族の付き添いあり。",
    )
    return row


def _result_row(
    number: str, kind: str, applied: dt.date, decided: dt.date, outcome: str
) -> dict[str, str]:
    """A 認定結果 in the intake layout (``CERT_RESULT``): a level with its validity period, or
    an exit (却下・取下げ)."""
    exit_codes = {"rejected": "2", "withdrawn": "3"}
    row = {
        "insurer_no": INSURER_NO,
        "application_no": number,
        "outcome": exit_codes.get(outcome, "1"),
        "care_level": "" if outcome in exit_codes else outcome,
        "decided_on": _ymd(decided),
    }
    if outcome in BENEFIT_LIMIT_UNITS:
        application_kind = rules.ApplicationKind(APPLICATION_KIND_NAMES[kind])
        start = applied
        if application_kind is rules.ApplicationKind.RENEWAL:
            # A renewal starts the day after the previous period ends: always a 1st.
            start = (applied.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        valid_from, valid_to = rules.validity_period(application_kind, start)
        row.update(valid_from=_ymd(valid_from), valid_to=_ymd(valid_to))
    return row


def seed(session: Session, settings: Settings, orgs_by_code: dict[str, Any]) -> dict[str, int]:
    """Create the demo cases as the municipality sends them: 申請, 進捗, 認定調査 and 結果 files
    through the real intake (which logs each change and applies results to the 被保険者証);
    returns counts for the console."""
    rng = random.Random(20261125)
    today = today_jst()
    persons = _persons(session)
    plan = [("open", d, stage) for d, stage in OPEN] + [("decided", d, e) for d, e, _l in DECIDED]
    counts = {"cases": 0, "overdue": 0, "surveys": 0, "opinion_requests": 0, "opinions": 0}
    files: dict[str, list[dict[str, str]]] = {layout.kind: [] for layout in CASE_LAYOUTS}
    open_cases: list[tuple[InsuredPerson, str, int]] = []
    for i, (person, (kind_of_case, days_ago, detail)) in enumerate(
        zip(persons, plan, strict=False)
    ):
        number = f"2026{i + 1:06d}"
        applied = today - dt.timedelta(days=days_ago)
        kind = ("1", "2", "3")[i % 3]
        if kind_of_case == "open":
            stage = int(detail)
            fields = [f for s in _STAGE_FIELDS[: stage + 1] for f in s]
            dates = _dates(applied, days_ago, fields, today)
            open_cases.append((person, number, stage))
            counts["overdue"] += days_ago > rules.DECISION_NORM_DAYS
        else:
            span = int(detail)
            outcome = DECIDED[i - len(OPEN)][2]
            fields = [f for s in _STAGE_FIELDS for f in s]
            if outcome in ("withdrawn", "rejected"):
                fields = fields[:3]
            dates = _dates(applied, span, fields, today)
            dates.pop("panel_scheduled_on", None)
        files["cert_application"].append(
            {
                "insurer_no": INSURER_NO,
                "insured_no": person.insured_no,
                "application_no": number,
                "application_kind": kind,
                "applied_on": _ymd(applied),
            }
        )
        files["cert_milestone"] += [
            {
                "insurer_no": INSURER_NO,
                "application_no": number,
                "milestone": MILESTONE_CODE_OF[field],
                "day": _ymd(day),
            }
            for field, day in dates.items()
        ]
        if "survey_done_on" in dates:
            files["cert_survey"].append(_survey_row(rng, number, dates["survey_done_on"]))
            counts["surveys"] += 1
        if kind_of_case == "decided":
            decided = applied + dt.timedelta(days=int(detail))
            files["cert_result"].append(_result_row(number, kind, applied, decided, outcome))
        counts["cases"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        for layout in CASE_LAYOUTS:
            if files[layout.kind]:
                send_file(session, settings, Path(tmp), layout, INSURER_NO, files[layout.kind])
    counts.update(_opinions(session, settings, orgs_by_code, open_cases, today))
    counts["plan_notices"] = _plan_notice(session, settings, orgs_by_code, open_cases)
    return counts


def _opinions(
    session: Session,
    settings: Settings,
    orgs_by_code: dict[str, Any],
    open_cases: list[tuple[InsuredPerson, str, int]],
    today: dt.date,
) -> dict[str, int]:
    """Two open requests (cases awaiting the opinion) and one submitted opinion."""
    clinic = orgs_by_code.get(CLINIC_CODE)
    if clinic is None:
        return {"opinion_requests": 0, "opinions": 0}
    doctor = Actor(
        kind="staff",
        display_name="山本 医師",
        organization_id=clinic.id,
        organization_kind="medical",
        organization_code=clinic.code,
        organization_name=clinic.name,
        job_type="physician",
        request_id="demo",
    )
    waiting = [(p, n) for p, n, stage in open_cases if stage in (1, 2)]
    made = submitted = 0
    for person, number in waiting[:3]:
        request = opinions.create_request(
            session,
            INSURER_NO,
            person.insured_no,
            number,
            CLINIC_CODE,
            today - dt.timedelta(days=2),
            due_on=today + dt.timedelta(days=12),
            doctor_name="山本 医師",
            created_by="demo",
        )
        made += 1
        if submitted == 0:
            try:
                with session.begin_nested():
                    opinions.submit(session, settings, doctor, request.id, _demo_opinion(today))
                submitted += 1
            except KibanError:
                continue  # e.g. no consent: the request stays open
    return {"opinion_requests": made, "opinions": submitted}


def _demo_opinion(today: dt.date) -> dict[str, Any]:
    return {
        "h_written_on": today.isoformat(),
        "h_doctor_name": "山本 医師",
        "h_institution_name": "架空みなと内科クリニック",
        "h_last_exam_on": (today - dt.timedelta(days=3)).isoformat(),
        "h_times": "2",
        "h_other_dept": "1",
        "h_other_dept_list": ["04"],
        "s1_dx1_name": "変形性膝関節症",
        "s1_dx1_onset": "平成30年頃",
        "s1_dx2_name": "高血圧症",
        "s1_stability": "1",
        "s1_course": "両膝の疼痛により歩行が不安定。鎮痛薬と降圧薬を内服中。",
        "s3_physical": "4",
        "s3_dementia": "2",
        "s3_memory": "1",
        "s3_decision": "1",
        "s3_communication": "1",
        "s3_bpsd": "1",
        "s3_psych": "1",
        "s3_body": ["03", "05"],
        "s4_outdoor_walk": "2",
        "s4_wheelchair": "1",
        "s4_walking_aids": ["02"],
        "s4_eating": "1",
        "s4_nutrition": "1",
        "s4_risks": ["02", "03"],
        "s4_risk_policy": "住環境の整備と下肢筋力の維持。",
        "s4_outlook": "1",
        "s4_medical_mgmt": ["09"],
        "s4_infection": "1",
        "s5_notes": "通所リハビリテーションの利用が望ましい。",
    }


def _plan_notice(
    session: Session,
    settings: Settings,
    orgs_by_code: dict[str, Any],
    open_cases: list[tuple[InsuredPerson, str, int]],
) -> int:
    """One pending notice from the demo care-management office for an assigned person."""
    office = orgs_by_code.get(OFFICE_CODE)
    if office is None:
        return 0
    manager = Actor(
        kind="staff",
        display_name="佐藤 ケア子",
        organization_id=office.id,
        organization_kind="office",
        organization_code=office.code,
        organization_name=office.name,
        service_types=("43",),
        job_type="care_manager",
        request_id="demo",
    )
    for person, _number, _stage in open_cases:
        try:
            with session.begin_nested():
                notices.submit_notice(
                    session,
                    settings,
                    manager,
                    insurer_no=INSURER_NO,
                    insured_no=person.insured_no,
                    plan_valid_from=today_jst(),
                    remarks="認定申請中のため暫定ケアプランで開始します",
                )
            return 1
        except KibanError:
            continue  # not assigned to this person (denied and audited); try the next one
    return 0
