"""Care-plan CSV codec: read (with full validation), write back byte for byte, build new files.

``read_careplan(data, file_name)`` never raises on bad input: every problem becomes a
``FieldError`` in ``CareplanFile.errors`` (or ``.warnings`` for values the layout marks as
uncertain). ``CareplanFile.to_bytes()`` reproduces the input exactly: each record keeps its raw
text (so the quoting of every cell is kept) and its own line ending (LF input is written back
as LF); new files are written with CRLF.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from kaigo_kiban.careplan.codec.checks import (
    KIND_PATTERNS,
    Expect,
    check_record,
    fast_regex,
    is_warning,
    problem,
    version_problem,
)
from kaigo_kiban.careplan.codec.columns import ACCEPTED_VERSIONS, Kind, Layout
from kaigo_kiban.careplan.codec.filenames import FileName, check_file_name
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.codec.tokenizer import (
    AFTER_QUOTE,
    CRLF,
    STRAY_QUOTE,
    UNDECODABLE,
    decode,
    encode,
    render,
    split_lines,
    tokenize,
    tokenize_record,
)
from kaigo_kiban.core.errors import FieldError, FileRejected
from kaigo_kiban.core.ids import is_office_no, is_service_type

#: How cells are quoted when a file is written from values (see ``quote_flags``).
QUOTING_STYLES = ("text", "text_all", "all", "minimal")

_QUOTE_MESSAGES = {
    AFTER_QUOTE: '閉じる「"」の後に文字があります',
    STRAY_QUOTE: '「"」で囲まれていない項目に「"」があります',
}
_UNTERMINATED_MESSAGE = '「"」が閉じられていません'
_MONTH = re.compile(KIND_PATTERNS[Kind.MONTH])


@dataclass(slots=True)
class Record:
    """One record: its first physical line, raw text, line ending and (rarely) raw bytes.

    ``raw`` holds the original bytes only when the text would not encode back to them (CP932
    characters with two byte forms); it is dropped when the record is rebuilt from cells.
    """

    line: int
    text: str
    eol: str = CRLF
    raw: bytes | None = None

    def split(self) -> tuple[list[str], list[bool]]:
        """Cell values (quotes removed) and whether each cell was quoted."""
        cells, quoted, _ = tokenize(self.text)
        return cells, quoted

    def cells(self) -> list[str]:
        """Cell values with quotes removed."""
        return tokenize(self.text)[0]

    def encode(self) -> bytes:
        """The exact bytes of the record including its line ending."""
        body = self.raw if self.raw is not None else encode(self.text)
        return body + encode(self.eol)

    @classmethod
    def from_cells(
        cls, cells: Sequence[str], quoted: Sequence[bool], *, eol: str = CRLF, line: int = 0
    ) -> Record:
        """A record written from values; a cell is quoted when flagged or when it must be."""
        return cls(line, render(cells, quoted), eol)


@dataclass
class CareplanFile:
    """A read (or built) care-plan file with every problem found in it.

    A file read from bytes keeps its physical lines (and which of them form one multi-line
    record); ``records`` builds the ``Record`` objects on first use, so validating a large file
    allocates nothing per valid line.
    """

    record_type: str | None = None
    name: FileName | None = None
    file_name: str | None = None
    version: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    _lines: list[str] = field(default_factory=list, repr=False)
    _eols: str | list[str] = field(default=CRLF, repr=False)
    _spans: dict[int, int] = field(default_factory=dict, repr=False)  # first → last line
    _raw_lines: dict[int, bytes] = field(default_factory=dict, repr=False)
    _records: list[Record] | None = field(default=None, repr=False)

    @classmethod
    def from_records(cls, records: list[Record], **kwargs: object) -> CareplanFile:
        """A file made of ``records`` (e.g. edited ones); ``kwargs`` set the other fields."""
        out = cls(**kwargs)  # type: ignore[arg-type]
        out._records = records
        return out

    @property
    def records(self) -> list[Record]:
        """The records, in file order."""
        if self._records is None:
            self._records = self._materialize()
        return self._records

    @property
    def record_count(self) -> int:
        """Number of records (without building them)."""
        if self._records is not None:
            return len(self._records)
        return len(self._lines) - sum(last - first for first, last in self._spans.items())

    @property
    def layout(self) -> Layout | None:
        """The layout of the record type, if known."""
        return LAYOUTS.get(self.record_type) if self.record_type else None

    @property
    def ok(self) -> bool:
        """True when no error (warnings allowed) was found."""
        return not self.errors

    def to_bytes(self) -> bytes:
        """The file's bytes: identical to the input when nothing was changed."""
        if self._records is not None:
            if all(r.raw is None for r in self._records):
                return encode("".join([r.text + r.eol for r in self._records]))
            return b"".join(r.encode() for r in self._records)
        lines, eols = self._lines, self._eols
        if self._raw_lines:
            return b"".join(self._line_bytes(i) + encode(self._eol(i)) for i in range(len(lines)))
        if isinstance(eols, str):
            return encode(eols.join(lines) + eols) if lines else b""
        return encode("".join([line + eol for line, eol in zip(lines, eols, strict=True)]))

    def rows(self) -> Iterator[tuple[Record, dict[str, str]]]:
        """Each record with its values keyed by the layout's English identifiers."""
        layout = self.layout
        if layout is None:
            raise FileRejected("レコード種別が分からないため項目名を付けられません", self.errors)
        names = [c.name for c in layout.columns]
        for record in self.records:
            yield record, dict(zip(names, record.cells(), strict=False))

    def raise_for_errors(self) -> None:
        """Raise ``FileRejected`` with every error when the file has any."""
        if self.errors:
            raise FileRejected("ケアプランファイルにエラーがあります", self.errors)

    def _eol(self, i: int) -> str:
        return self._eols if isinstance(self._eols, str) else self._eols[i]

    def _line_bytes(self, i: int) -> bytes:
        raw = self._raw_lines.get(i)
        return raw if raw is not None else encode(self._lines[i])

    def _materialize(self) -> list[Record]:
        records = []
        lines, spans, n = self._lines, self._spans, len(self._lines)
        i = 0
        while i < n:
            last = spans.get(i, i)
            text = "".join(lines[k] + self._eol(k) for k in range(i, last)) + lines[last]
            record = Record(i + 1, text, self._eol(last))
            if self._raw_lines and any(k in self._raw_lines for k in range(i, last + 1)):
                parts = [self._line_bytes(k) + encode(self._eol(k)) for k in range(i, last)]
                record.raw = b"".join(parts) + self._line_bytes(last)
            records.append(record)
            i = last + 1
        return records


def read_careplan(
    data: bytes, file_name: str | None = None, *, record_type: str | None = None
) -> CareplanFile:
    """Read and validate a care-plan CSV file; problems are collected, never raised.

    ``file_name`` (a bare name or a path) gives the record type, the sender and the target
    month the rows must agree with; ``record_type`` may be given instead (or to override a
    missing name). Without either, the type is guessed from a unique column count.
    """
    base = PurePath(file_name).name if file_name else None
    found: list[FieldError] = []
    name = None
    if file_name is not None:
        name, name_errors = check_file_name(file_name)
        found += name_errors
    if name is not None:
        if record_type is not None and record_type != name.record_type:
            msg = f"ファイル名の種別（{name.record_type}）と指定（{record_type}）が違います"
            found.append(problem("CP-RECORD-TYPE", msg, file=base, value=record_type))
        record_type = record_type or name.record_type
    text, clean = decode(data)
    lines, eols = split_lines(text)
    out = CareplanFile(record_type, name, base, _lines=lines, _eols=eols)
    if not lines:
        found.append(problem("CP-EMPTY-FILE", "レコードがありません", file=base))
        return _finish(out, found)
    first_cells = tokenize_record(lines, eols, 0)[0]
    if record_type is None or record_type not in LAYOUTS:
        record_type = _guess_type(record_type, first_cells, base, found)
        out.record_type = record_type
    layout = LAYOUTS.get(record_type) if record_type else None
    expect = _expectations(layout, name, first_cells)
    out.version = expect.version
    _scan(out, layout, expect, base, found, check_bytes=not clean)
    if not text.isascii() and encode(text) != data:
        _keep_raw_bytes(out, data)
    if layout is not None and layout.record_type == "UPSIKYU":
        found += _annex_totals(out, base)
    return _finish(out, found)


def _scan(
    out: CareplanFile,
    layout: Layout | None,
    expect: Expect,
    base: str | None,
    found: list[FieldError],
    *,
    check_bytes: bool,
) -> None:
    """The hot loop: one regex match per valid line, the slow path for everything else.

    A line the file's fast regex matches is a complete valid record: nothing to record. Other
    lines are tokenized (a quoted cell may continue on the next lines) and checked cell by cell.
    Lines swallowed by a multi-line record are skipped whether or not they matched on their own.
    """
    lines, eols = out._lines, out._eols
    fast = fast_regex(layout, expect) if layout is not None else None
    if fast is not None:
        match = fast.fullmatch
        suspects: Iterable[int] = [i for i, line in enumerate(lines) if not match(line)]
    else:
        suspects = range(len(lines))
    resume = 0
    for i in suspects:
        if i < resume:
            continue
        cells, _quoted, quote_problems, last = tokenize_record(lines, eols, i)
        if last > i:
            out._spans[i] = last
            resume = last + 1
        for k in range(i, last + 1) if check_bytes else ():
            bad = UNDECODABLE.search(lines[k])
            if bad is not None:
                found.append(_encoding_error(lines[k], bad.start(), k + 1, base))
        for column, reason in quote_problems:
            msg = _QUOTE_MESSAGES.get(reason, _UNTERMINATED_MESSAGE)
            found.append(problem("CP-QUOTE", msg, line=i + 1, column=column, file=base))
        if layout is not None:
            found += check_record(layout, cells, line=i + 1, file=base, expect=expect)
        else:
            bad_version = version_problem(cells[0], expect.version)
            if bad_version is not None:
                code, msg = bad_version
                found.append(problem(code, msg, line=i + 1, column=1, value=cells[0], file=base))


def _finish(out: CareplanFile, found: list[FieldError]) -> CareplanFile:
    for error in found:
        (out.warnings if is_warning(error) else out.errors).append(error)
    return out


def _encoding_error(line: str, start: int, line_no: int, base: str | None) -> FieldError:
    run = UNDECODABLE.match(line, start)
    end = run.end() if run else start + 1
    value = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in line[start:end])
    column = line.count(",", 0, start) + 1  # approximate: quoted commas are rare here
    msg = "Shift-JIS（CP932）として読めないバイトがあります"
    return problem("CP-ENCODING", msg, line=line_no, column=column, value=value, file=base)


def _guess_type(
    given: str | None, first_cells: list[str], base: str | None, found: list[FieldError]
) -> str | None:
    if given is not None:
        found.append(problem("CP-RECORD-TYPE", f"未知のレコード種別です: {given}", file=base))
        return None
    width = len(first_cells)
    candidates = [t for t, lay in LAYOUTS.items() if lay.count_certain and lay.width == width]
    if len(candidates) == 1:
        msg = f"ファイル名がないため項目数から{candidates[0]}と判定しました"
        found.append(problem("CP-RECORD-TYPE-GUESSED", msg, file=base, warning=True))
        return candidates[0]
    found.append(problem("CP-RECORD-TYPE", "レコード種別を判定できません", file=base))
    return None


def _expectations(layout: Layout | None, name: FileName | None, first: list[str]) -> Expect:
    """What every row must repeat: the file name's values, else those of the first row."""
    version = first[0] if first[0] in ACCEPTED_VERSIONS else None
    if layout is None:
        return Expect(version=version)
    month = sender = sender_type = None
    month_from_name = sender_from_name = False
    if layout.month_column is not None:
        col = layout.column(layout.month_column)
        named = name.target_month if name is not None else None
        if named is not None and (_MONTH.fullmatch(named) or named in col.specials):
            month, month_from_name = named, True
        elif col.no <= len(first):
            value = first[col.no - 1]
            if _MONTH.fullmatch(value) or value in col.specials:
                month = value
    if layout.sender_columns:
        if name is not None and is_office_no(name.sender_office_no):
            sender, sender_from_name = name.sender_office_no, True
        else:
            col = layout.column(layout.sender_columns[0])
            if col.no <= len(first) and is_office_no(first[col.no - 1]):
                sender = first[col.no - 1]
    if layout.sender_type_column is not None and name is not None:
        named_type = name.sender_service_type
        if named_type is not None and is_service_type(named_type):
            sender_type = named_type
    return Expect(version, month, month_from_name, sender, sender_from_name, sender_type)


def _keep_raw_bytes(out: CareplanFile, data: bytes) -> None:
    """Keep the original bytes of lines whose characters have two CP932 byte forms.

    Every character decodes from and encodes to the same number of bytes (1 or 2, a lone
    surrogate standing for 1), so line boundaries can be found by walking encoded lengths.
    """
    pos = 0
    for i, line in enumerate(out._lines):
        body = encode(line)
        original = data[pos : pos + len(body)]
        if original != body:
            out._raw_lines[i] = original
        pos += len(body) + len(out._eol(i))


def _annex_totals(out: CareplanFile, base: str | None) -> list[FieldError]:
    """第7表: a grand-total row per person-month; a type subtotal when a type has several rows."""
    layout = out.layout
    assert layout is not None
    width = layout.width
    totals: dict[tuple[str, str, str], int] = {}
    detail_rows: dict[tuple[str, str, str, str], int] = defaultdict(int)
    subtotals: set[tuple[str, str, str, str]] = set()
    idx = layout.index
    for record in out.records:
        cells = record.cells()
        if len(cells) != width:
            continue
        key = (cells[idx["insurer_no"]], cells[idx["insured_no"]], cells[idx["target_month"]])
        totals.setdefault(key, record.line)
        code = cells[idx["service_code"]]
        if code == "999999":
            totals[key] = 0
        elif code[2:] == "AAAA":
            subtotals.add((*key, code[:2]))
        elif code[2:] not in ("EEEE", "ZZZZ"):
            detail_rows[(*key, code[:2])] += 1
    errors = []
    for key, line in totals.items():
        if line:
            msg = f"被保険者{key[1]}の合計行（999999）がありません"
            errors.append(problem("CP-TOTAL-ROW-MISSING", msg, line=line, file=base, value=key[1]))
    for key, count in detail_rows.items():
        if count > 1 and key not in subtotals:
            msg = f"サービス種類{key[3]}の小計行（{key[3]}AAAA）がありません"
            errors.append(problem("CP-SUBTOTAL-MISSING", msg, file=base, value=key[1]))
    return errors


def quote_flags(layout: Layout | None, cells: Sequence[str], style: str = "text") -> list[bool]:
    """Which cells a writer of ``style`` quotes (cells beyond the layout count as text).

    ``text``: non-empty free-text cells (the default for new files); ``text_all``: every
    free-text cell, empty ones too; ``all``: every cell; ``minimal``: only where needed.
    """
    if style == "all":
        return [True] * len(cells)
    if style == "minimal":
        return [False] * len(cells)
    columns = layout.columns if layout is not None else ()
    flags = []
    for i, value in enumerate(cells):
        is_text = i >= len(columns) or columns[i].kind is Kind.TEXT
        flags.append(is_text and (style == "text_all" or value != ""))
    return flags


def build_careplan(
    record_type: str,
    rows: Sequence[Mapping[str, str | None]],
    name: FileName | None = None,
    *,
    style: str = "text",
    eol: str = CRLF,
) -> CareplanFile:
    """A new file from rows of values keyed by English identifiers (missing or None = empty).

    The result is the file read back from its bytes, so it carries every validation problem.
    Characters CP932 cannot hold are reported as ``CP-ENCODING`` errors.
    """
    layout = LAYOUTS[record_type]
    encoding_errors = []
    records = []
    for n, row in enumerate(rows, start=1):
        unknown = set(row) - set(layout.index)
        if unknown:
            msg = f"未知の項目名です: {', '.join(sorted(unknown))}"
            raise FileRejected(msg, [problem("CP-FIELD-UNKNOWN", msg, line=n)])
        cells = [row.get(c.name) or "" for c in layout.columns]
        for col, value in zip(layout.columns, cells, strict=True):
            try:
                encode(value)
            except UnicodeEncodeError:
                msg = f"{col.name_ja}にShift-JIS（CP932）で表せない文字があります"
                encoding_errors.append(
                    problem("CP-ENCODING", msg, line=n, column=col.no, value=value, field=col.name)
                )
                cells[col.no - 1] = ""
        records.append(Record.from_cells(cells, quote_flags(layout, cells, style), eol=eol))
    data = encode("".join(r.text + r.eol for r in records))
    out = read_careplan(data, str(name) if name else None, record_type=record_type)
    if encoding_errors:
        out.errors[:0] = encoding_errors
    return out
