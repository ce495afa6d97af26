"""Table-driven layouts for delimited files, and a streaming, bounded-memory row reader.

Each area declares its file layouts as a :class:`Layout` of :class:`Column` s; this module
turns a layout into fast per-column converters and reads files line by line, collecting every
problem as a :class:`~kaigo_kiban.core.errors.FieldError` (never raising on bad input).

Values are converted to what the database driver takes directly: dates become ISO strings
(``YYYY-MM-DD``, the form SQLAlchemy uses on SQLite and PostgreSQL accepts), integers become
``int``, blanks become ``None``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, BinaryIO

from kaigo_kiban.core.errors import FieldError

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.orm import Session

INVALID = object()
"""Sentinel a converter returns for a value it rejects (faster than raising)."""


class Kind(Enum):
    TEXT = "text"
    DIGITS = "digits"
    DATE = "date"
    INT = "int"
    CODE = "code"


@dataclass(frozen=True, eq=False)
class Column:
    """One column: English identifier, Japanese item name, type and constraints."""

    name: str
    label: str
    kind: Kind
    length: int | None = None
    required: bool = False
    codes: Mapping[str, str] | None = None
    check: Callable[[str], bool] | None = None
    minimum: int | None = None
    maximum: int | None = None
    note: str = ""


@dataclass(frozen=True, eq=False)
class Layout:
    """The columns of one data kind, in file order."""

    kind: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    ordered: tuple[tuple[str, str], ...] = ()
    """Pairs of date columns (earlier, later) whose order every row must respect."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


class _Lookup(dict[str, object]):
    """A dict whose misses return ``INVALID``: ``table.__getitem__`` is then a C-speed converter."""

    def __missing__(self, key: str) -> object:
        return INVALID


@cache
def _date_table() -> _Lookup:
    """Every valid YYYYMMDD from 1868 to 2199 mapped to its ISO form.

    A dictionary look-up is both the validity check (impossible dates such as 20250230 are
    absent) and the conversion, which keeps the per-cell cost of a date to one hash probe.
    """
    table = _Lookup()
    day = dt.date(1868, 1, 1)
    end = dt.date(2199, 12, 31)
    one = dt.timedelta(days=1)
    while day <= end:
        iso = day.isoformat()
        table[iso[0:4] + iso[5:7] + iso[8:10]] = iso
        day += one
    return table


def parse_yyyymmdd(value: str) -> dt.date | None:
    """A ``YYYYMMDD`` string as a date, or ``None`` when it is not a real date."""
    iso = _date_table()[value]
    return dt.date.fromisoformat(iso) if isinstance(iso, str) else None


def _converter(col: Column) -> Callable[[str], object]:
    """Build the converter of one column: returns the value for the driver or ``INVALID``."""
    length = col.length
    if col.kind is Kind.DATE:
        return _date_table().__getitem__
    if col.kind is Kind.DIGITS:
        pattern = re.compile(rf"[0-9]{{{length}}}" if length else r"[0-9]+")
        extra = col.check

        def digits(v: str) -> object:
            if pattern.fullmatch(v) is None or (extra is not None and not extra(v)):
                return INVALID
            return v

        return digits
    if col.kind is Kind.INT:
        lo, hi = col.minimum, col.maximum
        pattern = re.compile(rf"-?[0-9]{{1,{length or 18}}}")

        def integer(v: str) -> object:
            if pattern.fullmatch(v) is None:
                return INVALID
            n = int(v)
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                return INVALID
            return n

        return integer
    if col.kind is Kind.CODE:
        return _Lookup({c: c for c in col.codes or ()}).__getitem__

    def text(v: str) -> object:
        if length is not None and len(v) > length:
            return INVALID
        if "\x00" in v:
            return INVALID
        return v

    return text


_KIND_ERRORS = {
    Kind.DATE: ("DATE", "日付が正しくありません (YYYYMMDD の実在する日付)"),
    Kind.DIGITS: ("DIGITS", "桁数または文字種が正しくありません"),
    Kind.INT: ("NUMBER", "数値が正しくないか範囲外です"),
    Kind.CODE: ("CODE", "コード値が定義にありません"),
    Kind.TEXT: ("TEXT", "文字数が上限を超えているか、使用できない文字を含みます"),
}


def describe_invalid(col: Column) -> tuple[str, str]:
    """Stable code suffix and Japanese message for a value ``col`` rejects."""
    code, message = _KIND_ERRORS[col.kind]
    detail = ""
    if col.kind is Kind.DIGITS and col.length:
        detail = f" ({col.length}桁の数字)"
    elif col.kind is Kind.CODE and col.codes:
        detail = " (" + ", ".join(f"{k}={v}" for k, v in col.codes.items()) + ")"
    elif col.kind is Kind.INT and (col.minimum is not None or col.maximum is not None):
        detail = f" ({col.minimum}〜{col.maximum})"
    elif col.kind is Kind.TEXT and col.length:
        detail = f" ({col.length}文字以内)"
    return code, f"{col.label}: {message}{detail}"


@dataclass
class CompiledLayout:
    """A layout with converters ready; ``convert`` turns one row of strings into values."""

    layout: Layout
    converters: tuple[Callable[[str], object], ...] = field(init=False)
    required: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.converters = tuple(_converter(c) for c in self.layout.columns)
        self.required = tuple(c.required for c in self.layout.columns)
        self._required_at = tuple(i for i, r in enumerate(self.required) if r)

    def convert(
        self, cells: list[str], line: int, file: str, errors: list[FieldError], prefix: str
    ) -> tuple[object, ...] | None:
        """Values of one row, or ``None`` after appending its errors to ``errors``."""
        # Fast path for a valid row: one comprehension, then two C-speed checks.
        values = [
            conv(cell) if cell else None for conv, cell in zip(self.converters, cells, strict=False)
        ]
        if INVALID not in values and all(cells[i] for i in self._required_at):
            return tuple(values)
        return self._convert_reporting(cells, line, file, errors, prefix)

    def _convert_reporting(
        self, cells: list[str], line: int, file: str, errors: list[FieldError], prefix: str
    ) -> tuple[object, ...] | None:
        values: list[object] = []
        append = values.append
        ok = True
        columns = self.layout.columns
        for i, (conv, cell) in enumerate(zip(self.converters, cells, strict=True)):
            if not cell:
                if self.required[i]:
                    ok = False
                    col = columns[i]
                    errors.append(
                        FieldError(
                            code=f"{prefix}-REQUIRED",
                            message=f"{col.label}: 必須項目が空です",
                            line=line,
                            column=i + 1,
                            value=cell,
                            field=col.name,
                            file=file,
                        )
                    )
                append(None)
                continue
            value = conv(cell)
            if value is INVALID:
                ok = False
                col = columns[i]
                suffix, message = describe_invalid(col)
                errors.append(
                    FieldError(
                        code=f"{prefix}-{suffix}",
                        message=message,
                        line=line,
                        column=i + 1,
                        value=cell,
                        field=col.name,
                        file=file,
                    )
                )
            append(value)
        return tuple(values) if ok else None


@cache
def compile_layout(layout: Layout) -> CompiledLayout:
    return CompiledLayout(layout)


# --- reading lines -------------------------------------------------------------------------


@dataclass
class RawLine:
    """One physical line: its 1-based number and text, or why it could not be read."""

    number: int
    text: str | None
    problem: FieldError | None = None


def detect_encoding(head: bytes) -> str:
    """``utf-8-sig`` when the head is valid UTF-8 (BOM optional), else ``cp932``.

    A valid UTF-8 head is a near-certain sign of UTF-8: CP932 text with kana or kanji is
    almost never valid UTF-8. The head may end in the middle of a character, which is allowed.
    """
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8-sig"
        return "cp932"


def iter_lines(
    stream: BinaryIO, *, file: str, max_line_bytes: int, prefix: str
) -> Iterator[RawLine]:
    """Yield the lines of ``stream`` decoded, in bounded memory.

    CRLF, LF and a lone CR at the end of a line are accepted. A line longer than
    ``max_line_bytes`` is skipped without being held in memory and reported; undecodable
    bytes are reported with their line; neither stops the reading.
    """
    head = stream.read(65536)
    encoding = detect_encoding(head)
    first = True
    number = 0
    pending = head
    while True:
        # Assemble one line from the pending head and the stream, bounded by max_line_bytes.
        newline = pending.find(b"\n")
        if newline == -1 and len(pending) <= max_line_bytes:
            more = stream.readline(max_line_bytes + 1 - len(pending))
            pending += more
            newline = pending.find(b"\n")
        if not pending:
            return
        number += 1
        if newline == -1 and len(pending) > max_line_bytes:
            # Oversized: drain to the end of this line without keeping it.
            while True:
                chunk = stream.readline(max_line_bytes)
                if not chunk or chunk.endswith(b"\n"):
                    break
            pending = b""
            yield RawLine(
                number,
                None,
                FieldError(
                    code=f"{prefix}-LINE-TOO-LONG",
                    message=f"行が長すぎます ({max_line_bytes} バイトを超えています)",
                    line=number,
                    file=file,
                ),
            )
            continue
        if newline == -1:
            raw, pending = pending, b""
        else:
            raw, pending = pending[: newline + 1], pending[newline + 1 :]
        raw = raw.rstrip(b"\n").rstrip(b"\r")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            yield RawLine(
                number,
                None,
                FieldError(
                    code=f"{prefix}-ENCODING",
                    message=f"文字コード ({'UTF-8' if encoding != 'cp932' else 'Shift_JIS'}) "
                    f"として読めないバイトがあります",
                    line=number,
                    column=0,
                    value=raw[max(0, exc.start - 4) : exc.end + 4].hex(" "),
                    file=file,
                ),
            )
            continue
        if first and encoding == "utf-8-sig":
            text = text.removeprefix("\ufeff")
        first = False
        yield RawLine(number, text)


def split_csv_line(text: str) -> list[str] | None:
    """Split one CSV line (``"`` quoting, ``""`` escapes); ``None`` when quoting is broken."""
    if '"' not in text:
        return text.split(",")
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def split_jsonl_line(text: str, names: tuple[str, ...]) -> list[str] | None:
    """One JSON Lines record (an object of column name → string) as cells in layout order."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or set(obj) - set(names):
        return None
    cells = []
    for name in names:
        value = obj.get(name)
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            cells.append(str(value))
        else:
            return None
    return cells


def format_csv_line(cells: list[str]) -> str:
    """One CSV line (no line end): cells with ``,`` or ``"`` are quoted, ``"`` doubled."""
    out = []
    for cell in cells:
        if "," in cell or '"' in cell:
            out.append('"' + cell.replace('"', '""') + '"')
        else:
            out.append(cell)
    return ",".join(out)


def header_line(layout: Layout) -> str:
    """The header row of a municipal CSV file: the English column identifiers."""
    return ",".join(layout.names)


FileKind = tuple["Layout", "Table", Callable[["Session", "Table", int], list[FieldError]]]
"""(layout, target table, merge) of one municipal file kind: each area that owns file kinds
lists them as ``FILE_KINDS``; the composition root (``app.intake``) registers them."""
