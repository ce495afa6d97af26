"""What a data kind of municipal files is to the pipeline (a layout, a target table and the
area function that merges it) and the file-name convention.

Areas declare layouts in their ``formats.py`` and merge logic in their ``service.py``; the
composition root lists them (``app.intake.KINDS``), so the pipeline knows no area.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.tabular import Layout

Merge = Callable[[Session, Table, int], list[FieldError]]
"""Merge the staged rows of one file (staging table, ingest file id); return cross-file errors."""


@dataclass(frozen=True)
class DataKind:
    layout: Layout
    target: Table
    merge: Merge

    @property
    def name(self) -> str:
        return self.layout.kind


FILE_NAME = re.compile(
    r"(?P<kind>[a-z][a-z_]*?)_(?P<insurer_no>[0-9]{6})_(?P<created>[0-9]{14})"
    r"(?:_(?P<seq>[0-9]{1,6}))?\.(?P<ext>csv|jsonl)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileName:
    kind: str
    insurer_no: str
    created_at: datetime
    seq: int
    format: str


def parse_file_name(name: str, known: Collection[str]) -> FileName | FieldError:
    """``<kind>_<insurer_no>_<YYYYMMDDHHMMSS>[_<seq>].csv|jsonl`` → parts, or the error."""
    m = FILE_NAME.fullmatch(name)
    if m is None:
        return FieldError(
            code="ING-FILE-NAME",
            message="ファイル名が規約 (<種別>_<保険者番号>_<作成日時14桁>[_<連番>].csv) に合いません",
            value=name,
            file=name,
        )
    kind = m["kind"].lower()
    if kind not in known:
        return FieldError(
            code="ING-UNKNOWN-KIND",
            message=f"未知のデータ種別です (使用可能: {', '.join(sorted(known))})",
            value=m["kind"],
            file=name,
        )
    try:
        created = datetime.strptime(m["created"], "%Y%m%d%H%M%S")
    except ValueError:
        return FieldError(
            code="ING-FILE-NAME-TIMESTAMP",
            message="ファイル名の作成日時が実在しない日時です",
            value=m["created"],
            file=name,
        )
    return FileName(kind, m["insurer_no"], created, int(m["seq"] or 0), m["ext"].lower())


def batch_order(names: Sequence[str], kinds: Sequence[str]) -> list[int]:
    """The order in which to take in one batch of files (indexes into ``names``).

    By dependency first — ``kinds`` is in dependency order (the 被保険者証 before the cards and
    files that need its persons; ``app.intake`` registers the kinds in that order) — then by
    the creation timestamp and 連番 in the file name, then by name. Files whose names do not
    follow the convention come last, in the order given (each is refused on its own).
    """
    rank = {kind: i for i, kind in enumerate(kinds)}

    def key(i: int) -> tuple[int, datetime, int, str, int]:
        parsed = parse_file_name(names[i], rank)
        if isinstance(parsed, FieldError):
            return (len(rank), datetime.max, 0, "", i)
        return (rank[parsed.kind], parsed.created_at, parsed.seq, names[i], i)

    return sorted(range(len(names)), key=key)
