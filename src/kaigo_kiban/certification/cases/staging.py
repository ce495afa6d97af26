"""Checks on a staged municipal file that need the database, shared by the certification merges.

Every function returns ``FieldError`` s naming the line (and column, 1-based) of the file; the
staging table carries ``line_no`` first and then the layout's columns in file order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, and_, exists, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from kaigo_kiban.certification.cases.models import CertApplication
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.registry.models import InsuredPerson


def rows(session: Session, staging: Table) -> list[RowMapping]:
    return list(session.execute(select(staging).order_by(staging.c.line_no)).mappings())


def error(
    staging: Table, row: RowMapping, name: str | None, code: str, message: str, value: Any = None
) -> FieldError:
    column = list(staging.c.keys()).index(name) if name else 0
    shown = value if value is not None else (row[name] if name else None)
    return FieldError(
        code=code,
        message=message,
        line=row["line_no"],
        column=column,
        value=None if shown is None else str(shown),
        field=name,
        file=staging.info["file"],
    )


def duplicates(session: Session, staging: Table, key: tuple[str, ...]) -> list[FieldError]:
    s = staging
    first = (
        select(*(s.c[k] for k in key), func.min(s.c.line_no).label("first"))
        .group_by(*(s.c[k] for k in key))
        .having(func.count() > 1)
        .subquery()
    )
    found = session.execute(
        select(s.c.line_no, first.c.first, s.c.application_no)
        .join(first, and_(*(s.c[k] == first.c[k] for k in key)))
        .where(s.c.line_no != first.c.first)
        .order_by(s.c.line_no)
    )
    return [
        FieldError(
            code="ING-DUPLICATE-KEY",
            message=f"同じキー ({'・'.join(key[1:])}) の行が {first_line} 行目にもあります",
            line=line,
            value=application_no,
            file=s.info["file"],
        )
        for line, first_line, application_no in found
    ]


def unknown_persons(session: Session, staging: Table) -> list[FieldError]:
    s, p = staging, InsuredPerson.__table__
    found = session.execute(
        select(s.c.line_no, s.c.insured_no)
        .where(~exists().where(p.c.insurer_no == s.c.insurer_no, p.c.insured_no == s.c.insured_no))
        .order_by(s.c.line_no)
    )
    column = list(s.c.keys()).index("insured_no")
    return [
        FieldError(
            code="ING-UNKNOWN-PERSON",
            message="被保険者証が未登録の被保険者です (先に被保険者証を送信してください)",
            line=line,
            column=column,
            value=insured_no,
            field="insured_no",
            file=s.info["file"],
        )
        for line, insured_no in found
    ]


def unknown_applications(session: Session, staging: Table) -> list[FieldError]:
    s, a = staging, CertApplication.__table__
    found = session.execute(
        select(s.c.line_no, s.c.application_no)
        .where(
            ~exists().where(
                a.c.insurer_no == s.c.insurer_no,
                a.c.application_no == s.c.application_no,
                a.c.deleted.is_(False),
            )
        )
        .order_by(s.c.line_no)
    )
    column = list(s.c.keys()).index("application_no")
    return [
        FieldError(
            code="CT-UNKNOWN-APPLICATION",
            message="申請番号が登録されていません (先に要介護認定申請を送信してください)",
            line=line,
            column=column,
            value=no,
            field="application_no",
            file=s.info["file"],
        )
        for line, no in found
    ]


def existing(session: Session, staging: Table, model: Any) -> list[Any]:
    """Rows of ``model`` whose (insurer_no, application_no) appear in the staged file."""
    s = staging
    keys = select(s.c.insurer_no, s.c.application_no).distinct().subquery()
    return list(
        session.scalars(
            select(model).join(
                keys,
                and_(
                    model.insurer_no == keys.c.insurer_no,
                    model.application_no == keys.c.application_no,
                ),
            )
        )
    )


def missing_record(staging: Table, row: RowMapping) -> FieldError:
    return error(
        staging,
        row,
        "correction_kind",
        "CT-RECORD-MISSING",
        "訂正・削除の対象が登録されていません",
    )


def record_exists(staging: Table, row: RowMapping, what: str) -> FieldError:
    return error(
        staging,
        row,
        "application_no",
        "CT-RECORD-EXISTS",
        f"この{what}は別の内容で登録済みです (誤りの修正は訂正区分=2で送信してください)",
    )


def sort_rows(
    staging: Table,
    rows: list[RowMapping],
    stored: dict[Any, Any],
    key_of: Callable[[RowMapping], Any],
    conflict: Callable[[RowMapping, Any], FieldError | None],
    errors: list[FieldError],
) -> list[tuple[RowMapping, Any]]:
    """Pair each row with the stored record of its key, by 訂正区分: a new row with no record,
    or a correction / deletion of an existing one, is to be applied; a new row whose record
    exists is a no-op unless ``conflict`` reports it; a correction or deletion of nothing is an
    error. Errors are appended to ``errors``; returns (row, stored record or None) to apply."""
    todo: list[tuple[RowMapping, Any]] = []
    for row in rows:
        old = stored.get(key_of(row))
        if row["correction_kind"] is None:
            if old is None:
                todo.append((row, None))
            elif (problem := conflict(row, old)) is not None:
                errors.append(problem)
        elif old is None:
            errors.append(missing_record(staging, row))
        else:
            todo.append((row, old))
    return todo
