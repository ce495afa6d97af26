"""Municipal readiness schedule (市町村の開始予定): import (operators), public listing, and the questions other
areas ask — "has this insurer started sending?" — so a page can say the data is not there
yet instead of looking empty (``readiness_for``, ``is_live``, ``not_live_notice``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor, require_operator
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import FieldError, FileRejected
from kaigo_kiban.readiness.formats import ReadinessRow, format_readiness, parse_readiness
from kaigo_kiban.readiness.models import ReadinessEntry, ReadinessImport
from kaigo_kiban.readiness.rules import (
    CHART_END,
    READINESS_LABELS,
    QuarterCount,
    Readiness,
    ReadinessStatus,
    insurer_readiness,
    is_live_on,
    quarter_counts,
)

NOT_LIVE_MESSAGE = "この市町村はまだ介護情報基盤への送信を開始していません"


class ReadinessRejected(FileRejected):
    code = "PTL-READINESS-REJECTED"


@dataclass(frozen=True, slots=True)
class ImportReport:
    file_name: str
    rows: int
    added: int
    updated: int
    removed: int


def import_readiness(
    session: Session,
    actor: Actor,
    stream: BinaryIO,
    *,
    file_name: str,
    today: dt.date,
    max_line_bytes: int,
    replace: bool = False,
    max_bytes: int | None = None,
) -> ImportReport:
    """Validate the whole file, then add or update its municipalities in one go.

    Any problem raises ReadinessRejected listing every one (line, column, code, value) before
    anything is written. ``replace`` also removes municipalities the file does not list (for a
    complete published schedule); otherwise they are kept.
    """
    require_operator(actor)
    content = stream.read() if max_bytes is None else stream.read(max_bytes + 1)
    if max_bytes is not None and len(content) > max_bytes:
        too_large = FieldError(
            code="PTL-RDY-TOO-LARGE",
            message=f"ファイルが大きすぎます（上限 {max_bytes:,} バイト）",
            file=file_name,
        )
        raise ReadinessRejected(f"{file_name}: ファイルが大きすぎます", [too_large])
    rows, errors = parse_readiness(
        io.BytesIO(content), file=file_name, today=today, max_line_bytes=max_line_bytes
    )
    if errors:
        raise ReadinessRejected(
            f"{file_name}: {len(errors)}件の誤りがあるため、取り込みませんでした（何も変更していません）",
            errors,
        )
    existing = {e.municipality_code: e for e in session.scalars(select(ReadinessEntry))}
    now = utcnow()
    record = ReadinessImport(
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        replaced=replace,
        removed=0,
        imported_at=now,
        imported_by=actor.display_name,
    )
    session.add(record)
    session.flush()
    added = updated = 0
    for row in rows:
        entry = existing.get(row.municipality_code)
        if entry is None:
            entry = ReadinessEntry(municipality_code=row.municipality_code)
            session.add(entry)
            added += 1
        else:
            updated += 1
        entry.municipality_name = row.municipality_name
        entry.prefecture = row.prefecture
        entry.insurer_no = row.insurer_no
        entry.planned_start = row.planned_start
        entry.status = row.status.value
        entry.import_id = record.id
        entry.updated_at = now
    if replace:
        listed = {r.municipality_code for r in rows}
        gone = [code for code in existing if code not in listed]
        if gone:
            session.execute(
                delete(ReadinessEntry).where(ReadinessEntry.municipality_code.in_(gone))
            )
        record.removed = len(gone)
    session.flush()
    return ImportReport(file_name, len(rows), added, updated, record.removed)


def list_readiness(
    session: Session,
    *,
    prefecture: str | None = None,
    month: dt.date | None = None,
    status: str | None = None,
) -> list[ReadinessEntry]:
    """The schedule in start order (undated last), filtered by prefecture, start month, status."""
    query = select(ReadinessEntry)
    if prefecture:
        query = query.where(ReadinessEntry.prefecture == prefecture)
    if month:
        first = month.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        query = query.where(
            ReadinessEntry.planned_start >= first, ReadinessEntry.planned_start < following
        )
    if status:
        query = query.where(ReadinessEntry.status == status)
    entries = list(session.scalars(query))
    entries.sort(
        key=lambda e: (
            e.planned_start is None,
            e.planned_start or dt.date.max,
            e.municipality_code,
        )
    )
    return entries


@dataclass(frozen=True, slots=True)
class ReadinessSummary:
    by_status: dict[str, int]
    quarters: list[QuarterCount]
    after_chart: int
    undated: int
    total: int


def summarize(entries: list[ReadinessEntry]) -> ReadinessSummary:
    """Counts by status, and starts per fiscal quarter up to CHART_END for the chart."""
    dated = [e.planned_start for e in entries if e.planned_start is not None]
    counts = Counter(e.status for e in entries)
    return ReadinessSummary(
        by_status={s.value: counts.get(s.value, 0) for s in ReadinessStatus},
        quarters=quarter_counts(dated),
        after_chart=sum(1 for d in dated if d >= CHART_END),
        undated=len(entries) - len(dated),
        total=len(entries),
    )


def schedule_months(session: Session) -> list[dt.date]:
    """First days of the months that have a planned start (for the month filter)."""
    days = session.scalars(
        select(ReadinessEntry.planned_start).where(ReadinessEntry.planned_start.is_not(None))
    )
    return sorted({d.replace(day=1) for d in days if d is not None})


def export_readiness(session: Session) -> str:
    """The current schedule as an importable CSV."""
    return format_readiness(
        ReadinessRow(
            0,
            e.municipality_code,
            e.municipality_name,
            e.prefecture,
            e.insurer_no,
            e.planned_start,
            ReadinessStatus(e.status),
        )
        for e in list_readiness(session)
    )


def last_import(session: Session) -> ReadinessImport | None:
    return session.scalar(select(ReadinessImport).order_by(ReadinessImport.id.desc()).limit(1))


# --- what other areas ask ----------------------------------------------------------------


def _members(session: Session, insurer_no: str) -> list[ReadinessEntry]:
    return list(
        session.scalars(select(ReadinessEntry).where(ReadinessEntry.insurer_no == insurer_no))
    )


def _readiness(members: list[ReadinessEntry]) -> Readiness | None:
    return insurer_readiness(Readiness(ReadinessStatus(m.status), m.planned_start) for m in members)


def readiness_for(session: Session, insurer_no: str) -> ReadinessStatus | None:
    """The insurer's status on the schedule (a 広域連合: its least ready member), or None when
    the insurer is not on the schedule."""
    found = _readiness(_members(session, insurer_no))
    return found.status if found else None


def is_live(session: Session, insurer_no: str, on: dt.date) -> bool:
    """True when the insurer was sending data to the platform on ``on`` (LIVE from its start
    date). False when it was not, and when it is not on the schedule at all."""
    return is_live_on(_readiness(_members(session, insurer_no)), on)


@dataclass(frozen=True, slots=True)
class NotLiveNotice:
    """What ``readiness/_not_live.html`` shows."""

    insurer_no: str
    status: ReadinessStatus
    status_label: str
    planned_start: dt.date | None
    municipalities: tuple[str, ...]
    message: str = NOT_LIVE_MESSAGE

    def to_dict(self) -> dict[str, object]:
        """The documented JSON (``details.insurer_not_live`` of a refused lookup)."""
        return {
            "insurer_no": self.insurer_no,
            "status": self.status.value,
            "status_label": self.status_label,
            "planned_start": self.planned_start.isoformat() if self.planned_start else None,
            "municipalities": list(self.municipalities),
            "message": self.message,
        }


def not_live_notice(session: Session, insurer_no: str | None, on: dt.date) -> NotLiveNotice | None:
    """The notice to show beside an insurer's (missing) data, or None when there is nothing to
    say: the insurer is live on ``on``, or not on the schedule (then nothing is known)."""
    if not insurer_no:
        return None
    members = _members(session, insurer_no)
    found = _readiness(members)
    if found is None or is_live_on(found, on):
        return None
    return NotLiveNotice(
        insurer_no=insurer_no,
        status=found.status,
        status_label=READINESS_LABELS[found.status],
        planned_start=found.planned_start,
        municipalities=tuple(sorted(m.municipality_name for m in members)),
    )
