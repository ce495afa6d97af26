"""The intake pipeline: identify, stream, validate every row, stage, merge, commit atomically.

A file is one transaction. Valid rows are bulk-loaded into a temporary staging table while
reading continues; any error anywhere makes the whole file rejected, and the caller's
rollback discards everything, staging included. The same bytes twice are a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.database import bulk_insert, keep
from kaigo_kiban.core.errors import Conflict, FieldError, KibanError
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import compile_layout, iter_lines, split_csv_line, split_jsonl_line
from kaigo_kiban.ingest.kinds import DataKind, FileName, parse_file_name
from kaigo_kiban.ingest.models import IngestFile
from kaigo_kiban.registry.models import Insurer

MAX_REPORTED_ERRORS = 10_000
PREFIX = "ING"


@dataclass
class FileReport:
    """What happened to one file; ``to_dict`` is the documented JSON report."""

    file: str
    kind: str | None
    status: str  # committed | duplicate | rejected
    rows: int = 0
    errors: list[FieldError] = field(default_factory=list)
    error_total: int = 0
    insurer_no: str | None = None
    sha256: str = ""
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "kind": self.kind,
            "status": self.status,
            "rows": self.rows,
            "errors": [
                {
                    "line": e.line,
                    "column": e.column,
                    "code": e.code,
                    "message": e.message,
                    "value": e.value,
                }
                for e in self.errors
            ],
        }
        if self.error_total > len(self.errors):
            data["errors_truncated"] = self.error_total
        return data


class IngestRejected(KibanError):
    code = "ING-REJECTED"
    http_status = 422

    def __init__(self, report: FileReport) -> None:
        super().__init__(
            f"{report.file}: {report.error_total} 件のエラーがあるため取り込みませんでした",
            details=report.to_dict(),
        )
        self.report = report


def file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class _Errors:
    """Collects errors, keeping the first ``MAX_REPORTED_ERRORS`` and counting the rest."""

    def __init__(self) -> None:
        self.kept: list[FieldError] = []
        self.total = 0

    def extend(self, errors: list[FieldError]) -> None:
        self.total += len(errors)
        room = MAX_REPORTED_ERRORS - len(self.kept)
        if room > 0:
            self.kept.extend(errors[:room])

    def add(self, error: FieldError) -> None:
        self.extend([error])


def _staging_table(session: Session, kind: DataKind, file: str) -> Table:
    metadata = MetaData()
    columns: list[Column[Any]] = [Column("line_no", Integer, nullable=False)]
    for col in kind.layout.columns:
        type_ = kind.target.c[col.name].type if col.name in kind.target.c else Text()
        columns.append(Column(col.name, type_))
    staging = Table(
        f"kk_stage_{kind.name}",
        metadata,
        *columns,
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    staging.info.update(kind=kind.name, file=file)
    staging.create(session.connection())
    return staging


def ingest_file(
    session: Session,
    path: Path,
    settings: Settings,
    *,
    kinds: Mapping[str, DataKind],
    submitted_by: str,
    display_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    only_insurer: str | None = None,
) -> FileReport:
    """Ingest one municipal file inside the caller's transaction.

    Returns the report of a committed or duplicate file; raises :class:`IngestRejected`
    (after which the caller must roll back) when anything is wrong.
    """
    name = display_name or path.name
    sha, size = file_digest(path)
    report = FileReport(file=name, kind=None, status="rejected", sha256=sha, size_bytes=size)
    parsed = parse_file_name(name, kinds)
    if isinstance(parsed, FieldError):
        report.errors, report.error_total = [parsed], 1
        raise _reject(session, report, submitted_by)
    report.kind, report.insurer_no = parsed.kind, parsed.insurer_no
    kind = kinds[parsed.kind]

    previous = session.scalar(
        select(IngestFile).where(
            IngestFile.sha256 == sha, IngestFile.status == "committed", IngestFile.kind == kind.name
        )
    )
    if previous is not None:
        report.status, report.rows = "duplicate", previous.rows
        return report

    errors = _Errors()
    if only_insurer is not None and parsed.insurer_no != only_insurer:
        errors.add(
            FieldError(
                code="ING-NOT-YOUR-INSURER",
                message=f"自保険者 ({only_insurer}) 以外のファイルは送信できません",
                value=parsed.insurer_no,
                file=name,
            )
        )
    elif session.get(Insurer, parsed.insurer_no) is None:
        errors.add(
            FieldError(
                code="ING-UNKNOWN-INSURER",
                message=(
                    f"保険者番号 {parsed.insurer_no} が登録されていません。先に "
                    f"kaigo-kiban registry add-insurer {parsed.insurer_no} <保険者名> "
                    "で登録してください"
                ),
                value=parsed.insurer_no,
                file=name,
            )
        )
    if size == 0:
        errors.add(FieldError(code="ING-EMPTY", message="ファイルが空です", file=name))
    if errors.total:
        report.errors, report.error_total = errors.kept, errors.total
        raise _reject(session, report, submitted_by)

    record = IngestFile(
        file_name=name,
        kind=kind.name,
        insurer_no=parsed.insurer_no,
        sha256=sha,
        size_bytes=size,
        status="committed",
        rows=0,
        error_count=0,
        errors=[],
        received_at=utcnow(),
        submitted_by=submitted_by,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "同じファイルを別の処理が同時に取り込みました。もう一度実行すると「取込済み」と表示されます",
            code="ING-CONCURRENT-DUPLICATE",
        ) from exc

    staging = _staging_table(session, kind, name)
    with path.open("rb") as stream:
        rows = _stage_rows(session, stream, kind, parsed, staging, settings, errors, progress)
    if not errors.total:
        errors.extend(kind.merge(session, staging, record.id))
    report.rows = rows
    if errors.total:
        report.errors, report.error_total = errors.kept, errors.total
        raise _reject(session, report, submitted_by)
    staging.drop(session.connection())
    record.rows = rows
    report.status = "committed"
    return report


def _stage_rows(
    session: Session,
    stream: BinaryIO,
    kind: DataKind,
    parsed: FileName,
    staging: Table,
    settings: Settings,
    errors: _Errors,
    progress: Callable[[int], None] | None,
) -> int:
    """Read, validate and stage every data row; return the number of data rows."""
    layout = kind.layout
    compiled = compile_layout(layout)
    names = layout.names
    width = len(names)
    insurer_at = names.index("insurer_no") if "insurer_no" in names else None
    ordered = [(names.index(a), names.index(b), layout.column(b)) for a, b in layout.ordered]
    file = parsed_name = staging.info["file"]
    jsonl = parsed.format == "jsonl"
    columns = ["line_no", *names]
    batch: list[tuple[object, ...]] = []
    batch_size = settings.ingest_batch_rows
    rows = 0
    header_pending = not jsonl
    line_errors: list[FieldError] = []
    for raw in iter_lines(
        stream, file=file, max_line_bytes=settings.ingest_max_line_bytes, prefix=PREFIX
    ):
        if raw.problem is not None:
            errors.add(raw.problem)
            header_pending = False
            continue
        text = raw.text or ""
        if header_pending:
            header_pending = False
            errors.extend(_check_header(text, layout, raw.number, file))
            continue
        if not text.strip():
            if text:
                errors.add(
                    FieldError(
                        code="ING-BLANK-LINE",
                        message="空白だけの行があります",
                        line=raw.number,
                        file=file,
                    )
                )
            continue
        rows += 1
        cells = split_jsonl_line(text, names) if jsonl else split_csv_line(text)
        if cells is None:
            errors.add(
                FieldError(
                    code="ING-SYNTAX",
                    message="行の書式が正しくありません (引用符の対応、またはJSONの形式)",
                    line=raw.number,
                    value=text[:80],
                    file=file,
                )
            )
            continue
        if len(cells) != width:
            errors.add(
                FieldError(
                    code="ING-COLUMN-COUNT",
                    message=f"項目数が {len(cells)} です ({width} 項目が必要です)",
                    line=raw.number,
                    value=str(len(cells)),
                    file=file,
                )
            )
            continue
        line_errors.clear()
        values = compiled.convert(cells, raw.number, parsed_name, line_errors, PREFIX)
        if values is not None:
            if insurer_at is not None and values[insurer_at] != parsed.insurer_no:
                line_errors.append(
                    FieldError(
                        code="ING-INSURER-MISMATCH",
                        message=f"保険者番号がファイル名の保険者番号 ({parsed.insurer_no}) と異なります",
                        line=raw.number,
                        column=insurer_at + 1,
                        value=cells[insurer_at],
                        file=file,
                    )
                )
            for a, b, col_b in ordered:
                va, vb = values[a], values[b]
                if va is not None and vb is not None and vb < va:  # type: ignore[operator]
                    line_errors.append(
                        FieldError(
                            code="ING-DATE-ORDER",
                            message=f"{col_b.label} が {layout.columns[a].label} より前です",
                            line=raw.number,
                            column=b + 1,
                            value=cells[b],
                            file=file,
                        )
                    )
        if line_errors:
            errors.extend(line_errors)
            continue
        if errors.total:
            continue  # keep validating, but stop staging: the file will be rejected
        batch.append((raw.number, *values))  # type: ignore[misc]
        if len(batch) >= batch_size:
            bulk_insert(session, staging, columns, batch)
            batch.clear()
            if progress is not None:
                progress(stream.tell())
    if header_pending and not errors.total:
        errors.add(FieldError(code="ING-EMPTY", message="ファイルが空です", file=file))
    if batch and not errors.total:
        bulk_insert(session, staging, columns, batch)
    if progress is not None:
        progress(stream.tell())
    return rows


def _check_header(text: str, layout: Any, line: int, file: str) -> list[FieldError]:
    """The header row names every column, by identifier or by Japanese item name, in order."""
    cells = split_csv_line(text) or []
    problems: list[FieldError] = []
    if len(cells) != len(layout.columns):
        problems.append(
            FieldError(
                code="ING-HEADER",
                message=f"見出し行の項目数が {len(cells)} です ({len(layout.columns)} 項目が必要です)",
                line=line,
                value=str(len(cells)),
                file=file,
            )
        )
        return problems
    for i, (cell, col) in enumerate(zip(cells, layout.columns, strict=True)):
        if cell.strip() not in (col.name, col.label):
            problems.append(
                FieldError(
                    code="ING-HEADER",
                    message=f"見出しが違います ({col.name} または {col.label} が必要です)",
                    line=line,
                    column=i + 1,
                    value=cell,
                    file=file,
                )
            )
    return problems


def _reject(session: Session, report: FileReport, submitted_by: str) -> IngestRejected:
    """The rejection of a file; its report is kept for the municipal view although the unit of
    work rolls back everything else (``core.database.keep``)."""
    keep(session, lambda s: record_rejection(s, report, submitted_by=submitted_by))
    return IngestRejected(report)


def record_rejection(session: Session, report: FileReport, *, submitted_by: str) -> None:
    """Log a rejected file for the municipal view."""
    session.add(
        IngestFile(
            file_name=report.file,
            kind=report.kind,
            insurer_no=report.insurer_no,
            sha256=report.sha256,
            size_bytes=report.size_bytes,
            status="rejected",
            rows=report.rows,
            error_count=report.error_total,
            errors=report.to_dict()["errors"][:200],
            received_at=utcnow(),
            submitted_by=submitted_by,
        )
    )


def list_recent_files(
    session: Session, insurer_no: str | None, limit: int = 50
) -> list[IngestFile]:
    stmt = select(IngestFile).order_by(IngestFile.id.desc()).limit(limit)
    if insurer_no is not None:
        stmt = stmt.where(IngestFile.insurer_no == insurer_no)
    return list(session.scalars(stmt))
