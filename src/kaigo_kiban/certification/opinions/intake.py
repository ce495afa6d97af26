"""Merging the municipal ``opinion_request`` file (主治医意見書作成依頼) with the checks shared by
the case files (``cases.staging``). Record kinds as in ``cases.intake``: blank 訂正区分 = a new
request, ``2`` = correct, ``3`` = cancel an open one. Any error → the caller rolls the whole
file back.
"""

from __future__ import annotations

from sqlalchemy import Table, and_, literal, select
from sqlalchemy.orm import Session

from kaigo_kiban.certification.cases import staging as checks
from kaigo_kiban.certification.cases.models import CertApplication
from kaigo_kiban.certification.opinions import formats
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.certification.opinions.models import OpinionRequest
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.tabular import FileKind

_REQUEST_CONTENT = ("insured_no", "doctor_name", "requested_on", "due_on")


def merge_opinion_requests(session: Session, staging: Table, file_id: int) -> list[FieldError]:
    """Merge an ``opinion_request`` file (key: 申請番号 + 医療機関コード). A new request opens
    the person's data to that institution (see ``access.service.has_open_opinion_request``)
    and records the 主治医意見書依頼日 milestone when none was sent; 削除 cancels an open one."""
    key = ("insurer_no", "application_no", "institution_code")
    errors = checks.duplicates(session, staging, key)
    errors += checks.unknown_persons(session, staging) + checks.unknown_applications(
        session, staging
    )
    s, a = staging, CertApplication.__table__
    mismatched = session.execute(
        select(s.c.line_no, literal(1))
        .join(a, and_(a.c.insurer_no == s.c.insurer_no, a.c.application_no == s.c.application_no))
        .where(a.c.insured_no != s.c.insured_no)
        .order_by(s.c.line_no)
    )
    rows = checks.rows(session, staging)
    by_line = {row["line_no"]: row for row in rows}
    errors += [
        checks.error(
            staging,
            by_line[line],
            "insured_no",
            "CT-PERSON-MISMATCH",
            "申請番号の被保険者と被保険者番号が一致しません",
        )
        for line, _one in mismatched
    ]
    if errors or not rows:
        return errors
    insurer = rows[0]["insurer_no"]
    existing = {
        (r.application_no, r.institution_code): r
        for r in checks.existing(session, staging, OpinionRequest)
    }
    todo = checks.sort_rows(
        staging,
        rows,
        existing,
        lambda row: (row["application_no"], row["institution_code"]),
        lambda row, old: (
            checks.record_exists(staging, row, "依頼")
            if any(getattr(old, c) != row[c] for c in _REQUEST_CONTENT)
            else None
        ),
        errors,
    )
    errors += [
        checks.error(
            staging,
            row,
            "correction_kind",
            "CT-REQUEST-SUBMITTED",
            "意見書が提出済みの依頼は取り消せません",
        )
        for row, old in todo
        if row["correction_kind"] == "3" and old.status == "submitted"
    ]
    if errors:
        return errors
    for row, old in todo:
        if old is None:
            opinions.create_request(
                session,
                insurer,
                row["insured_no"],
                row["application_no"],
                row["institution_code"],
                row["requested_on"],
                due_on=row["due_on"],
                doctor_name=row["doctor_name"],
                created_by=f"file:{file_id}",
                source_file_id=file_id,
            )
        elif row["correction_kind"] == "3":
            opinions.cancel_request(session, old)
        else:
            for c in _REQUEST_CONTENT:
                setattr(old, c, row[c])
            old.source_file_id = file_id
            opinions.sync_access(session, old)
    session.flush()
    return []


# The opinion request file kind, for ``ingest.kinds`` (after ``cases.intake.FILE_KINDS``).
FILE_KINDS: tuple[FileKind, ...] = (
    (formats.OPINION_REQUEST, OpinionRequest.__table__, merge_opinion_requests),
)
