"""Merging the four municipal file kinds of cases (申請, 進捗の日付, 認定結果, 認定調査の結果).

Each ``merge_*`` takes the staged rows of one file (``ingest`` has already checked every cell
against the layout) and does the checks that need the database: duplicate keys in the file,
unknown persons or applications, a record already holding other content, a correction or
deletion of a record that does not exist. Any error → the caller rolls the whole file back.
Otherwise every actual change is applied and logged in ``cert_event`` with the case's progress
state before and after (progress itself is never stored).

Record kinds follow the card files: blank 訂正区分 = a new record (re-sending the same content is
a no-op, other content under the same key is an error), ``2`` = correct, ``3`` = delete.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from kaigo_kiban.cards import service as cards
from kaigo_kiban.certification.cases import formats
from kaigo_kiban.certification.cases import staging as checks
from kaigo_kiban.certification.cases.formats import MILESTONE_CODE_OF, MILESTONES
from kaigo_kiban.certification.cases.models import (
    CertApplication,
    CertMilestone,
    CertResult,
    CertSurvey,
)
from kaigo_kiban.certification.cases.service import (
    Change,
    load_cases,
    log_changes,
    result_value,
    set_platform_milestone,
    states,
)
from kaigo_kiban.certification.cases.survey_items import catalogue, parse_multi
from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.tabular import FileKind

CERTIFIED_LEVELS = frozenset(BENEFIT_LIMIT_UNITS)  # 12, 13, 21–25


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- cert_application -------------------------------------------------------------------------

_APP_CONTENT = ("insured_no", "application_kind", "applied_on", "previous_care_level")


def merge_applications(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge a ``cert_application`` file (key: 保険者番号 + 申請番号)."""
    errors = checks.duplicates(session, staging, ("insurer_no", "application_no"))
    errors += checks.unknown_persons(session, staging)
    rows = checks.rows(session, staging)
    if errors or not rows:
        return errors
    insurer = rows[0]["insurer_no"]
    existing = {a.application_no: a for a in checks.existing(session, staging, CertApplication)}
    todo: list[tuple[RowMapping, CertApplication | None]] = []
    for row in rows:
        old = existing.get(row["application_no"])
        kind = row["correction_kind"]
        if kind is None:
            if old is not None and old.deleted:
                errors.append(
                    checks.error(
                        staging,
                        row,
                        "application_no",
                        "CT-APPLICATION-DELETED",
                        "削除済みの申請番号です (新しい申請番号で送信してください)",
                    )
                )
            elif old is None:
                todo.append((row, None))
            elif any(getattr(old, c) != row[c] for c in _APP_CONTENT):
                errors.append(checks.record_exists(staging, row, "申請番号"))
        elif old is None or old.deleted:
            errors.append(checks.missing_record(staging, row))
        elif old.insured_no != row["insured_no"]:
            errors.append(
                checks.error(
                    staging,
                    row,
                    "insured_no",
                    "CT-PERSON-MISMATCH",
                    "申請の被保険者番号は訂正できません (削除して新しい申請番号で送信してください)",
                )
            )
        else:
            todo.append((row, old))
    if errors or not todo:
        return errors
    nos = [row["application_no"] for row, _old in todo]
    before = states(load_cases(session, insurer, application_nos=nos), today_jst())
    changes: list[Change] = []
    for row, old in todo:
        no = row["application_no"]
        if old is None:
            session.add(
                CertApplication(
                    insurer_no=insurer,
                    application_no=no,
                    **{c: row[c] for c in _APP_CONTENT},
                    deleted=False,
                    source_file_id=file_id,
                )
            )
            changes.append(Change(no, "applied_on", "set", None, _iso(row["applied_on"])))
        elif row["correction_kind"] == "3":
            old.deleted, old.source_file_id = True, file_id
            changes.append(Change(no, "application", "cleared", _iso(old.applied_on), None))
        elif any(getattr(old, c) != row[c] for c in _APP_CONTENT):
            previous = _iso(old.applied_on)
            for c in _APP_CONTENT:
                setattr(old, c, row[c])
            old.source_file_id = file_id
            changes.append(Change(no, "applied_on", "corrected", previous, _iso(row["applied_on"])))
    session.flush()
    insured_of = {row["application_no"]: row["insured_no"] for row, _old in todo}
    log_changes(session, insurer, changes, before, f"file:{file_id}", insured_of)
    return []


# --- cert_milestone ---------------------------------------------------------------------------


def merge_milestones(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge a ``cert_milestone`` file: one date per (申請番号, 進捗区分). Dates may arrive in any
    order and late; progress is recomputed from whatever set of dates results."""
    errors = checks.duplicates(session, staging, ("insurer_no", "application_no", "milestone"))
    errors += checks.unknown_applications(session, staging)
    rows = checks.rows(session, staging)
    errors += [
        checks.error(staging, row, "day", "ING-REQUIRED", "年月日: 必須項目が空です (削除以外)", "")
        for row in rows
        if row["correction_kind"] != "3" and row["day"] is None
    ]
    if errors or not rows:
        return errors
    insurer = rows[0]["insurer_no"]
    existing = {
        (m.application_no, m.milestone): m for m in checks.existing(session, staging, CertMilestone)
    }
    todo = checks.sort_rows(
        staging,
        rows,
        existing,
        lambda row: (row["application_no"], row["milestone"]),
        lambda row, old: None if old.day == row["day"] else _milestone_clash(staging, row, old),
        errors,
    )
    if errors or not todo:
        return errors
    nos = {row["application_no"] for row, _old in todo}
    cases = load_cases(session, insurer, application_nos=nos)
    before = states(cases, today_jst())
    changes: list[Change] = []
    for row, old in todo:
        no, code, field = row["application_no"], row["milestone"], MILESTONES[row["milestone"]][0]
        if old is None:
            session.add(
                CertMilestone(
                    insurer_no=insurer,
                    application_no=no,
                    milestone=code,
                    day=row["day"],
                    source_file_id=file_id,
                )
            )
            changes.append(Change(no, field, "set", None, _iso(row["day"])))
        elif row["correction_kind"] == "3":
            session.delete(old)
            changes.append(Change(no, field, "cleared", _iso(old.day), None))
        elif old.day != row["day"]:
            changes.append(Change(no, field, "corrected", _iso(old.day), _iso(row["day"])))
            old.day, old.source_file_id = row["day"], file_id
    session.flush()
    insured_of = {no: c.application.insured_no for no, c in cases.items()}
    log_changes(session, insurer, changes, before, f"file:{file_id}", insured_of)
    return []


def _milestone_clash(staging: Table, row: RowMapping, old: CertMilestone) -> FieldError:
    return checks.error(
        staging,
        row,
        "day",
        "CT-MILESTONE-EXISTS",
        f"この進捗は別の日付 ({old.day.isoformat()}) で登録済みです (日付の訂正は訂正区分=2で送信してください)",
    )


# --- cert_result ------------------------------------------------------------------------------

_RESULT_CONTENT = ("outcome", "care_level", "decided_on", "valid_from", "valid_to", "panel_remarks")


def _result_row_errors(staging: Table, row: RowMapping) -> list[FieldError]:
    if row["correction_kind"] == "3":
        return []
    if row["outcome"] == "1" and row["care_level"] is None:
        return [
            checks.error(
                staging,
                row,
                "care_level",
                "CT-RESULT-LEVEL-REQUIRED",
                "結果区分が認定 (1) のときは要介護状態区分コードが必要です",
                "",
            )
        ]
    if row["outcome"] != "1" and row["care_level"] is not None:
        return [
            checks.error(
                staging,
                row,
                "care_level",
                "CT-RESULT-LEVEL-UNEXPECTED",
                "却下・取下げ・死亡等のときは要介護状態区分コードを空欄にしてください",
            )
        ]
    if row["care_level"] in CERTIFIED_LEVELS:
        missing = [c for c in ("valid_from", "valid_to") if row[c] is None]
        return [
            checks.error(
                staging,
                row,
                c,
                "CT-RESULT-VALIDITY-REQUIRED",
                "要支援・要介護の認定には認定有効期間 (開始・終了) が必要です",
                "",
            )
            for c in missing
        ]
    return []


def _result_fact_ref(insurer_no: str, application_no: str) -> str:
    return f"cert_result:{insurer_no}:{application_no}"


def merge_results(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge a ``cert_result`` file. A new or changed 要支援・要介護 decision also reaches the
    被保険者証 as a derived fact (``cards.apply_certification_result``: the new care level, the
    validity period and the 区分支給限度基準額), apart from the municipality's 履歴番号; a deleted
    result, or one that no longer certifies a level, retracts that fact in the same
    transaction."""
    errors = checks.duplicates(session, staging, ("insurer_no", "application_no"))
    errors += checks.unknown_applications(session, staging)
    rows = checks.rows(session, staging)
    for row in rows:
        errors += _result_row_errors(staging, row)
    if errors or not rows:
        return errors
    insurer = rows[0]["insurer_no"]
    existing = {r.application_no: r for r in checks.existing(session, staging, CertResult)}
    todo = checks.sort_rows(
        staging,
        rows,
        existing,
        lambda row: row["application_no"],
        lambda row, old: (
            checks.record_exists(staging, row, "申請の結果")
            if any(getattr(old, c) != row[c] for c in _RESULT_CONTENT)
            else None
        ),
        errors,
    )
    if errors or not todo:
        return errors
    cases = load_cases(session, insurer, application_nos={row["application_no"] for row, _ in todo})
    before = states(cases, today_jst())
    changes: list[Change] = []
    for row, old in todo:
        no = row["application_no"]
        if row["correction_kind"] == "3":
            assert old is not None
            changes.append(Change(no, "result", "cleared", result_value(old), None))
            cards.retract_fact(session, _result_fact_ref(insurer, no))
            session.delete(old)
            continue
        if old is not None and not any(getattr(old, c) != row[c] for c in _RESULT_CONTENT):
            continue
        card_changed = old is None or any(
            getattr(old, c) != row[c] for c in ("care_level", "valid_from", "valid_to")
        )
        previous = result_value(old) if old is not None else None
        result = old or CertResult(insurer_no=insurer, application_no=no)
        for c in _RESULT_CONTENT:
            setattr(result, c, row[c])
        result.source_file_id = file_id
        if card_changed and row["care_level"] in CERTIFIED_LEVELS:
            fact = cards.apply_certification_result(
                session,
                insurer,
                cases[no].application.insured_no,
                row["care_level"],
                row["valid_from"],
                row["valid_to"],
                BENEFIT_LIMIT_UNITS[row["care_level"]],
                source_ref=_result_fact_ref(insurer, no),
            )
            result.card_history_no = None if fact is None else cards.shown_history_no(fact)
        elif card_changed:  # no longer a level with a card entry (非該当, 却下, 取下げ)
            cards.retract_fact(session, _result_fact_ref(insurer, no))
            result.card_history_no = None
        session.add(result)
        action = "set" if old is None else "corrected"
        changes.append(Change(no, "result", action, previous, result_value(result)))
    session.flush()
    insured_of = {no: c.application.insured_no for no, c in cases.items()}
    log_changes(session, insurer, changes, before, f"file:{file_id}", insured_of)
    return []


# --- cert_survey ------------------------------------------------------------------------------


def _survey_content(staging: Table, row: RowMapping) -> tuple[dict[str, Any], list[FieldError]]:
    cat = catalogue()
    items: dict[str, Any] = {}
    errors: list[FieldError] = []
    for item in cat.items:
        raw = row[item.column]
        if item.multi:
            parsed = parse_multi(item, raw or "")
            if isinstance(parsed, str):
                errors.append(checks.error(staging, row, item.column, "CT-SURVEY-MULTI", parsed))
                continue
            items[item.id] = parsed
        else:
            items[item.id] = int(raw)
    content = {
        "surveyed_on": row["surveyed_on"],
        "items": items,
        "special_medical": [no for no in cat.medical if row[f"medical_{no:02d}"] == "1"],
        "physical_independence": row["physical_independence"],
        "dementia_independence": row["dementia_independence"],
        "overview": row["overview"],
        "notes": row["notes"],
    }
    return content, errors


def merge_surveys(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge a ``cert_survey`` file: the 74 basic items (answer codes checked against the
    packaged catalogue), 自立度, 概況 and 特記事項. A survey also records the 訪問調査日
    milestone when the municipality has not sent one."""
    errors = checks.duplicates(session, staging, ("insurer_no", "application_no"))
    errors += checks.unknown_applications(session, staging)
    rows = checks.rows(session, staging)
    contents: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["correction_kind"] != "3":
            contents[row["line_no"]], row_errors = _survey_content(staging, row)
            errors += row_errors
    if errors or not rows:
        return errors
    insurer = rows[0]["insurer_no"]
    existing = {s.application_no: s for s in checks.existing(session, staging, CertSurvey)}
    todo = checks.sort_rows(
        staging,
        rows,
        existing,
        lambda row: row["application_no"],
        lambda row, old: (
            checks.record_exists(staging, row, "認定調査結果")
            if _stored_survey(old) != contents[row["line_no"]]
            else None
        ),
        errors,
    )
    if errors or not todo:
        return errors
    cases = load_cases(session, insurer, application_nos={row["application_no"] for row, _ in todo})
    before = states(cases, today_jst())
    changes: list[Change] = []
    surveyed: list[tuple[str, dt.date]] = []
    for row, old in todo:
        no = row["application_no"]
        if row["correction_kind"] == "3":
            assert old is not None
            changes.append(Change(no, "survey", "cleared", _iso(old.surveyed_on), None))
            session.delete(old)
            continue
        content = contents[row["line_no"]]
        if old is not None and _stored_survey(old) == content:
            continue
        survey = old or CertSurvey(insurer_no=insurer, application_no=no)
        for key, value in content.items():
            setattr(survey, key, value)
        survey.source_file_id = file_id
        session.add(survey)
        action = "set" if old is None else "corrected"
        changes.append(
            Change(
                no,
                "survey",
                action,
                _iso(old.surveyed_on) if old else None,
                _iso(row["surveyed_on"]),
            )
        )
        surveyed.append((no, row["surveyed_on"]))
    session.flush()
    insured_of = {no: c.application.insured_no for no, c in cases.items()}
    log_changes(session, insurer, changes, before, f"file:{file_id}", insured_of)
    code = MILESTONE_CODE_OF["survey_done_on"]
    for no, day in surveyed:
        set_platform_milestone(session, insurer, no, code, day, f"file:{file_id}")
    return []


def _stored_survey(survey: CertSurvey) -> dict[str, Any]:
    return {
        "surveyed_on": survey.surveyed_on,
        "items": survey.items,
        "special_medical": survey.special_medical,
        "physical_independence": survey.physical_independence,
        "dementia_independence": survey.dementia_independence,
        "overview": survey.overview,
        "notes": survey.notes,
    }


# The case file kinds; ``opinions.intake.FILE_KINDS`` holds the fifth.
FILE_KINDS: tuple[FileKind, ...] = (
    (formats.CERT_APPLICATION, CertApplication.__table__, merge_applications),
    (formats.CERT_MILESTONE, CertMilestone.__table__, merge_milestones),
    (formats.CERT_RESULT, CertResult.__table__, merge_results),
    (formats.CERT_SURVEY, CertSurvey.__table__, merge_surveys),
)
