"""JSON form of a care-plan file and lossless conversion between CSV and JSON.

One JSON document per file, modelled on the national 5.0 JSON standard's idea of records with
named fields (the English identifiers of the layouts), grouped with the file-name metadata::

    {
      "format": "kaigo-kiban/careplan-json", "format_version": 1,
      "standard_version": "202407", "record_type": "UPPLAN",
      "file": {"target_month": "202505",
               "sender": {"office_no": "1310000001", "service_type": "43"},
               "receiver": {"office_no": "1310000002", "service_type": "11"},
               "created_at": "20250425120000", "extension": ".CSV"},
      "style": {"line_ending": "CRLF", "quoting": "text", "final_line_ending": true},
      "records": [{"csv_version": "202407", "insurer_no": "131016", ..., "identifier": null}]
    }

Values are strings exactly as in the CSV (leading zeros kept); ``null`` is an empty cell.
``style`` says how the file was written; a record that differs carries ``_quoted`` (1-based
numbers of its quoted cells) or ``_eol``; a record with too few cells carries ``_cells`` and
one with too many ``_extra`` (the surplus cells). ``to_json`` emits the canonical form: for it,
JSON → CSV → JSON is the identity, and CSV → JSON → CSV gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import (
    QUOTING_STYLES,
    CareplanFile,
    quote_flags,
    read_careplan,
)
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.codec.tokenizer import CRLF, ENCODING, encode, needs_quotes, render
from kaigo_kiban.core.errors import FieldError, FileRejected

FORMAT = "kaigo-kiban/careplan-json"
FORMAT_VERSION = 1
LINE_ENDINGS = {"CRLF": "\r\n", "LF": "\n", "CR": "\r"}
_EOL_NAMES = {v: k for k, v in LINE_ENDINGS.items()}
_META_KEYS = frozenset({"_cells", "_extra", "_quoted", "_eol"})
#: Errors that make a record's cells differ from its raw text: not representable in JSON.
_UNREPRESENTABLE = frozenset({"CP-QUOTE", "CP-ENCODING"})


def to_json(file: CareplanFile) -> dict[str, Any]:
    """The canonical JSON form of a read file.

    Raises ``FileRejected`` when the record type is unknown or a record cannot be split into
    cells exactly (broken quoting, undecodable bytes).
    """
    layout = file.layout
    if layout is None:
        raise FileRejected("レコード種別が分からないためJSONにできません", file.errors)
    blocking = [e for e in file.errors if e.code in _UNREPRESENTABLE]
    if blocking:
        raise FileRejected("引用符または文字コードの誤りがあるためJSONにできません", blocking)
    records = file.records
    split = [r.split() for r in records]
    line_ending = _main_line_ending([r.eol for r in records])
    style = _main_quoting(file, split)
    final = bool(records) and records[-1].eol != ""
    out_records = []
    width = layout.width
    for index, (record, (cells, quoted)) in enumerate(zip(records, split, strict=True)):
        obj: dict[str, Any] = {
            col.name: (value if value != "" else None)
            for col, value in zip(layout.columns, cells, strict=False)
        }
        if len(cells) < width:
            obj["_cells"] = len(cells)
        if len(cells) > width:
            obj["_extra"] = cells[width:]
        if _effective(quote_flags(layout, cells, style), cells) != quoted:
            obj["_quoted"] = [n for n, q in enumerate(quoted, start=1) if q]
        is_last = index == len(records) - 1
        if record.eol != line_ending and not (is_last and record.eol == ""):
            obj["_eol"] = _EOL_NAMES[record.eol]
        out_records.append(obj)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "standard_version": file.version,
        "record_type": layout.record_type,
        "file": _name_json(file.name),
        "style": {
            "line_ending": _EOL_NAMES[line_ending],
            "quoting": style,
            "final_line_ending": final,
        },
        "records": out_records,
    }


def from_json(doc: Mapping[str, Any]) -> tuple[FileName | None, bytes]:
    """The file name (if the document has one) and the exact CSV bytes of a JSON document.

    Raises ``FileRejected`` (codes ``CP-JSON-*``, ``CP-ENCODING``) for a malformed document.
    """
    problems: list[FieldError] = []
    record_type = doc.get("record_type")
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        problems.append(_json_error("CP-JSON-FORMAT", f"formatは{FORMAT}（版1）です"))
    if record_type not in LAYOUTS:
        problems.append(
            _json_error("CP-JSON-RECORD-TYPE", f"未知のレコード種別です: {record_type}")
        )
    records = doc.get("records")
    if not isinstance(records, list):
        problems.append(_json_error("CP-JSON-RECORDS", "recordsは配列です"))
    style = doc.get("style") or {}
    line_ending = LINE_ENDINGS.get(style.get("line_ending", "CRLF"))
    quoting = style.get("quoting", "text")
    if line_ending is None or quoting not in QUOTING_STYLES:
        problems.append(_json_error("CP-JSON-STYLE", "styleのline_endingかquotingが不正です"))
    name = _name_from_json(doc.get("file"), record_type, problems)
    if problems:
        raise FileRejected("JSONがケアプランJSON形式に合いません", problems)
    assert isinstance(records, list) and line_ending is not None
    layout = LAYOUTS[record_type]
    final = bool(style.get("final_line_ending", True))
    texts = []
    for n, obj in enumerate(records, start=1):
        cells, quoted, eol = _record_cells(layout, obj, n, quoting, problems)
        if eol is None:
            eol = line_ending if (n < len(records) or final) else ""
        texts.append(render(cells, quoted) + eol)
    if problems:
        raise FileRejected("JSONのレコードに誤りがあります", problems)
    problems += _unencodable(texts)
    if problems:
        raise FileRejected("Shift-JIS（CP932）で表せない文字があります", problems)
    data = encode("".join(texts))
    return name, data


def json_to_careplan(doc: Mapping[str, Any]) -> CareplanFile:
    """Convert a JSON document to CSV and read it back (so it carries every validation result)."""
    name, data = from_json(doc)
    return read_careplan(data, str(name) if name else None, record_type=doc["record_type"])


def _record_cells(
    layout: Any, obj: Any, n: int, quoting: str, problems: list[FieldError]
) -> tuple[list[str], list[bool], str | None]:
    if not isinstance(obj, dict):
        problems.append(_json_error("CP-JSON-RECORD", "レコードはオブジェクトです", line=n))
        return [], [], None
    unknown = set(obj) - set(layout.index) - _META_KEYS
    if unknown:
        msg = f"未知の項目名です: {', '.join(sorted(unknown))}"
        problems.append(_json_error("CP-JSON-FIELD", msg, line=n))
    count = obj.get("_cells", layout.width)
    extra = obj.get("_extra", [])
    if not isinstance(count, int) or not 1 <= count <= layout.width or not isinstance(extra, list):
        problems.append(_json_error("CP-JSON-RECORD", "_cellsか_extraが不正です", line=n))
        return [], [], None
    cells = []
    for col in layout.columns[:count]:
        value = obj.get(col.name)
        if value is not None and not isinstance(value, str):
            msg = f"{col.name}の値は文字列かnullです"
            problems.append(_json_error("CP-JSON-TYPE", msg, line=n, field=col.name))
            value = None
        cells.append(value or "")
    cells += [str(v) for v in extra]
    explicit = obj.get("_quoted")
    if explicit is not None:
        wanted = set(explicit)
        quoted = [i in wanted for i in range(1, len(cells) + 1)]
    else:
        quoted = quote_flags(layout, cells, quoting)
    eol = None
    if "_eol" in obj:
        eol = LINE_ENDINGS.get(obj["_eol"])
        if eol is None:
            problems.append(_json_error("CP-JSON-RECORD", "_eolが不正です", line=n))
    return cells, quoted, eol


def _unencodable(texts: Sequence[str]) -> list[FieldError]:
    """Records with characters CP932 cannot hold, or would read back as other characters."""
    problems = []
    for n, text in enumerate(texts, start=1):
        try:
            same = text.encode(ENCODING).decode(ENCODING) == text
        except UnicodeEncodeError:
            same = False
        if not same:
            bad = next(c for c in text if not _stable(c))
            msg = f"「{bad}」はShift-JIS（CP932）で表せないか、別の文字になります"
            problems.append(_json_error("CP-ENCODING", msg, line=n))
    return problems


def _stable(char: str) -> bool:
    try:
        return char.encode(ENCODING).decode(ENCODING) == char
    except UnicodeEncodeError:
        return False


def _effective(flags: Sequence[bool], cells: Sequence[str]) -> list[bool]:
    """Quote flags as written: a writer must quote some values whatever its style."""
    return [f or needs_quotes(v) for f, v in zip(flags, cells, strict=True)]


def _main_line_ending(eols: Sequence[str]) -> str:
    counts = Counter(e for e in eols if e)
    if not counts:
        return CRLF
    order = list(LINE_ENDINGS.values())
    return max(counts, key=lambda e: (counts[e], -order.index(e)))


def _main_quoting(file: CareplanFile, split: Sequence[tuple[list[str], list[bool]]]) -> str:
    """The quoting style most records follow (ties: the earlier of ``QUOTING_STYLES``)."""
    layout = file.layout
    scores = dict.fromkeys(QUOTING_STYLES, 0)
    for cells, quoted in split:
        for style in QUOTING_STYLES:
            if _effective(quote_flags(layout, cells, style), cells) == quoted:
                scores[style] += 1
    return max(QUOTING_STYLES, key=lambda s: (scores[s], -QUOTING_STYLES.index(s)))


def _name_json(name: FileName | None) -> dict[str, Any] | None:
    if name is None:
        return None
    return {
        "target_month": name.target_month,
        "sender": {"office_no": name.sender_office_no, "service_type": name.sender_service_type},
        "receiver": {
            "office_no": name.receiver_office_no,
            "service_type": name.receiver_service_type,
        },
        "created_at": name.created_at,
        "extension": name.extension,
    }


def _name_from_json(meta: Any, record_type: Any, problems: list[FieldError]) -> FileName | None:
    if meta is None:
        return None
    try:
        return FileName(
            record_type=record_type,
            sender_office_no=meta["sender"]["office_no"],
            receiver_office_no=meta["receiver"]["office_no"],
            created_at=meta["created_at"],
            target_month=meta.get("target_month"),
            sender_service_type=meta["sender"].get("service_type"),
            receiver_service_type=meta["receiver"].get("service_type"),
            extension=meta.get("extension", ".CSV"),
        )
    except (KeyError, TypeError, AttributeError):
        msg = "fileにはsender・receiver（office_no）とcreated_atが必要です"
        problems.append(_json_error("CP-JSON-FILE", msg))
        return None


def _json_error(code: str, message: str, *, line: int = 0, field: str | None = None) -> FieldError:
    """An error in a JSON document; ``line`` is the 1-based record number."""
    return FieldError(code, message, line=line, field=field)
