"""LIFE use cases: an office sends a file; offices and the person see trends; municipalities
see only aggregates with small cells suppressed.

A file is one transaction, checked in three steps before anything is written:

1. the file itself (``formats.read_life_file``): interface id, column names, every cell;
2. what needs the database and the sender: the office's own ``care_facility_id`` and service
   types, known persons, 利用者情報 before 科学的介護推進情報, no key twice in a file;
3. the gate: the office must be allowed to write each person's ``life`` data (consent and an
   active assignment). Denials are audited and committed; nothing else is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import today_jst, utcnow
from kaigo_kiban.core.errors import FieldError, FileRejected, InvalidInput, PermissionDenied
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.life import formats, rules
from kaigo_kiban.life.models import LifeAssessment, LifeFile, LifeUser

# Reading lives in life/trends.py; these names are served from here too.
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import InsuredPerson, Organization

USER_COLUMNS = {
    "insurer_no": "insurer_no",
    "insured_no": "insured_no",
    "gender": "gender",
    "birthday": "birthday",
    "certified_date": "certified_date",
    "care_period_start": "care_period_start",
    "care_period_end": "care_period_end",
    "care_level": "care_level",
    "impaired_elderly_independence_degree": "impaired_independence",
    "dementia_elderly_independence_degree": "dementia_independence",
    "start_date": "start_date",
    "end_date": "end_date",
    "death_date": "death_date",
}
ASSESSMENT_COLUMNS = {
    "insurer_no": "insurer_no",
    "insured_no": "insured_no",
    "evaluate_date": "evaluate_date",
    "facility_outpatient_category": "facility_category",
    "height": "height_cm",
    "weight": "weight_kg",
}
# FORM_0000 items kept in ``LifeAssessment.items`` (ADL, nutrition, cognition).
STORED_ITEMS = (
    "impaired_elderly_independence_degree",
    "dementia_elderly_independence_degree",
    "adl_evaluate",
    *rules.BARTHEL_POINTS,
    "nutrition_evalaute_date",
    "low_operating_risk_level",
    "dietary_intake",
    "diagnosis_of_dementia_flag",
    *rules.DBD13_ITEMS,
    *rules.VITALITY_ITEMS,
)


class LifeFileRejected(FileRejected):
    code = "LIFE-FILE-REJECTED"


class LifeAccessDenied(PermissionDenied):
    """The office may not write some persons' LIFE data; the audited denials are committed."""

    code = "LIFE-ACCESS-DENIED"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "同意と担当事業所の登録がない利用者の LIFE 情報は送信できません",
            details=[e.to_dict() for e in errors],
        )
        self.errors = errors


@dataclass
class LifeReport:
    file: str
    interface_id: str | None
    status: str  # committed | duplicate
    rows: int = 0
    inserted: int = 0
    updated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "interface_id": self.interface_id,
            "status": self.status,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
        }


def require_office(actor: Actor) -> str:
    """LIFE files come from care offices (staff or the office's system key)."""
    if actor.organization_kind != "office" or not actor.organization_code:
        raise PermissionDenied(
            "LIFE のファイルを送信できるのは介護事業所のアカウントだけです",
            code="LIFE-NOT-OFFICE",
        )
    return actor.organization_code


def office_system_actor(session: Session, office_no: str, label: str = "CLI") -> Actor:
    """The office itself as the sender (its system, not a staff member): CLI and demo."""
    org = session.scalar(
        select(Organization).where(Organization.kind == "office", Organization.code == office_no)
    )
    if org is None:
        raise InvalidInput(
            f"事業所番号 {office_no} の事業所が登録されていません", code="LIFE-UNKNOWN-OFFICE"
        )
    return Actor(
        kind="system",
        display_name=f"{org.name} ({label})",
        **registry.organization_actor_fields(session, org),
        request_id=label.lower(),
    )


def _key(row: formats.LifeRow) -> tuple[str, str, str]:
    v = row.values
    return (
        str(v["care_facility_id"]),
        str(v["service_code"]),
        str(v["external_system_management_number"]),
    )


def _check_rows(
    session: Session, actor: Actor, content: formats.LifeFileContent, file: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    names = content.names

    def err(row: formats.LifeRow, column: str, code: str, message: str, value: object) -> None:
        col = names.index(column) + 1 if column in names else 0
        errors.append(
            FieldError(
                code=code, message=message, line=row.line, column=col, value=str(value), file=file
            )
        )

    seen: dict[tuple[str, str, str], int] = {}
    persons: dict[tuple[str, str], bool] = {}
    for row in content.rows:
        v = row.values
        if v["care_facility_id"] != actor.organization_code:
            err(
                row,
                "care_facility_id",
                "LIFE-NOT-YOUR-OFFICE",
                f"事業所番号が送信した事業所 ({actor.organization_code}) と異なります",
                v["care_facility_id"],
            )
        if v["service_code"] not in actor.service_types:
            err(
                row,
                "service_code",
                "LIFE-SERVICE-TYPE",
                "この事業所が提供していないサービス種類コードです",
                v["service_code"],
            )
        key = _key(row)
        if key in seen:
            err(
                row,
                "external_system_management_number",
                "LIFE-DUPLICATE-KEY",
                f"同じ外部システム管理番号の行が {seen[key]} 行目にもあります",
                key[2],
            )
        seen.setdefault(key, row.line)
        person = (str(v["insurer_no"]), str(v["insured_no"]))
        if person not in persons:
            persons[person] = session.get(InsuredPerson, person) is not None
        if not persons[person]:
            err(row, "insured_no", "LIFE-UNKNOWN-PERSON", "登録されていない被保険者です", person[1])
        elif content.interface_id == formats.FORM_0000 and not _has_user_info(session, v):
            err(
                row,
                "insured_no",
                "LIFE-NO-USER-INFO",
                "この利用者の利用者情報 (SERVICE_USER_INFO) が未登録です。先に利用者情報を送信してください",
                person[1],
            )
    return errors


def _has_user_info(session: Session, v: dict[str, object]) -> bool:
    return (
        session.scalar(
            select(LifeUser.external_no)
            .where(
                LifeUser.care_facility_id == v["care_facility_id"],
                LifeUser.service_code == v["service_code"],
                LifeUser.insurer_no == v["insurer_no"],
                LifeUser.insured_no == v["insured_no"],
            )
            .limit(1)
        )
        is not None
    )


def _gate(
    session: Session, settings: Settings, actor: Actor, content: formats.LifeFileContent, file: str
) -> list[FieldError]:
    """Authorise (and audit) one ``life`` write per person; errors for the denied persons."""
    decisions: dict[tuple[str, str], Any] = {}
    errors: list[FieldError] = []
    column = content.names.index("insured_no") + 1
    for row in content.rows:
        person = (str(row.values["insurer_no"]), str(row.values["insured_no"]))
        if person not in decisions:
            decisions[person] = access.open_person(
                session, settings, actor, *person, ["life"], "write", kept=True
            ).decision("life")
        decision = decisions[person]
        if not decision.allowed:
            errors.append(
                FieldError(
                    code=f"ACCESS-{decision.reason}",
                    message=decision.message,
                    line=row.line,
                    column=column,
                    value=person[1],
                    file=file,
                )
            )
    return errors


def ingest_life_file(
    session: Session,
    settings: Settings,
    actor: Actor,
    data: bytes,
    file_name: str,
    *,
    today: dt.date | None = None,
) -> LifeReport:
    """Take in one LIFE file for the actor's office, in the caller's transaction.

    Raises :class:`LifeFileRejected` (nothing written; roll back) with every problem, or
    :class:`LifeAccessDenied` (only the audited denials to keep; commit).
    """
    office_no = require_office(actor)
    if len(data) > settings.upload_max_bytes:
        raise InvalidInput("ファイルが大きすぎます", code="LIFE-TOO-LARGE")
    today = today or today_jst()
    sha = hashlib.sha256(data).hexdigest()
    content = formats.read_life_file(data, file=file_name, today=today)
    errors = content.errors or _check_rows(session, actor, content, file_name)
    if errors:
        raise LifeFileRejected(
            f"{file_name}: {len(errors)} 件の誤りがあるため取り込みませんでした", errors
        )
    assert content.interface_id is not None
    previous = session.scalar(
        select(LifeFile).where(LifeFile.sha256 == sha, LifeFile.office_no == office_no).limit(1)
    )
    if previous is not None:
        return LifeReport(file_name, content.interface_id, "duplicate", previous.rows)
    denied = _gate(session, settings, actor, content, file_name)
    if denied:
        raise LifeAccessDenied(denied)
    record = LifeFile(
        file_name=file_name[:200],
        interface_id=content.interface_id,
        office_no=office_no,
        sha256=sha,
        rows=len(content.rows),
        received_at=utcnow(),
        submitted_by=actor.display_name[:100],
    )
    session.add(record)
    session.flush()
    report = LifeReport(file_name, content.interface_id, "committed", len(content.rows))
    upsert = _upsert_user if content.interface_id == formats.USER_INFO else _upsert_assessment
    for row in content.rows:
        if upsert(session, row, record.id):
            report.inserted += 1
        else:
            report.updated += 1
    session.flush()
    return report


def _apply(target: Any, values: dict[str, object], mapping: dict[str, str]) -> None:
    for life_name, attr in mapping.items():
        if life_name in values:  # absent = leave unchanged; None = set NULL
            setattr(target, attr, values[life_name])


def _upsert_user(session: Session, row: formats.LifeRow, file_id: int) -> bool:
    key = _key(row)
    user = session.get(LifeUser, key)
    created = user is None
    if user is None:
        user = LifeUser(care_facility_id=key[0], service_code=key[1], external_no=key[2])
        session.add(user)
    _apply(user, row.values, USER_COLUMNS)
    user.source_file_id, user.updated_at = file_id, utcnow()
    return created


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _upsert_assessment(session: Session, row: formats.LifeRow, file_id: int) -> bool:
    key = _key(row)
    assessment = session.get(LifeAssessment, key)
    created = assessment is None
    if assessment is None:
        assessment = LifeAssessment(
            care_facility_id=key[0], service_code=key[1], external_no=key[2], items={}
        )
        session.add(assessment)
    _apply(assessment, row.values, ASSESSMENT_COLUMNS)
    items = dict(assessment.items or {})
    for name in STORED_ITEMS:
        if name in row.values:
            items[name] = _json(row.values[name])
    assessment.items = items
    assessment.barthel_total = rules.barthel_total(items)
    assessment.dbd13_total = rules.dbd13_total(items)
    assessment.vitality_total = rules.vitality_total(items)
    assessment.source_file_id, assessment.updated_at = file_id, utcnow()
    return created


# --- municipal aggregates -------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalAggregates:
    insurer_no: str
    period_from: dt.date
    period_to: dt.date
    min_cell: int
    table: rules.SuppressedTable


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def municipal_aggregates(
    session: Session,
    actor: Actor,
    *,
    on: dt.date | None = None,
    months: int = 6,
    min_cell: int = rules.MIN_CELL,
) -> MunicipalAggregates:
    """Barthel Index bands by care level for the municipality's insured persons: each
    person's latest assessment within the period; counts below ``min_cell`` suppressed.

    Municipalities see LIFE data only this way (policy: 市町村は集計のみ), so no person's
    record is read for display and no per-person audit event is written.
    """
    if actor.organization_kind != "municipality" or not actor.insurer_no:
        raise PermissionDenied(
            "LIFE の集計は市町村のアカウントだけが閲覧できます", code="LIFE-NOT-MUNICIPALITY"
        )
    end = on or today_jst()
    start = _months_before(end, months)
    latest: dict[str, tuple[dt.date, int]] = {}
    for insured_no, day, total in session.execute(
        select(
            LifeAssessment.insured_no, LifeAssessment.evaluate_date, LifeAssessment.barthel_total
        ).where(
            LifeAssessment.insurer_no == actor.insurer_no,
            LifeAssessment.barthel_total.is_not(None),
            LifeAssessment.evaluate_date >= start,
            LifeAssessment.evaluate_date <= end,
        )
    ):
        if insured_no not in latest or day > latest[insured_no][0]:
            latest[insured_no] = (day, total)
    levels: dict[str, str | None] = {}
    for insured_no, level in session.execute(
        select(LifeUser.insured_no, LifeUser.care_level)
        .where(LifeUser.insurer_no == actor.insurer_no)
        .order_by(LifeUser.updated_at)
    ):
        levels[insured_no] = level  # the most recently updated record wins
    row_labels = [label for label, _ in rules.CARE_LEVEL_GROUPS]
    col_labels = [label for label, _, _ in rules.BARTHEL_BANDS]
    counts = [[0] * len(col_labels) for _ in row_labels]
    for insured_no, (_, total) in latest.items():
        r = row_labels.index(rules.care_level_group(levels.get(insured_no)))
        c = col_labels.index(rules.barthel_band(total))
        counts[r][c] += 1
    table = rules.suppress(row_labels, col_labels, counts, min_cell)
    return MunicipalAggregates(actor.insurer_no, start, end, min_cell, table)
