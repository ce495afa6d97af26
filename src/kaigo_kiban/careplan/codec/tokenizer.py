"""Exact CSV tokenizer for the care-plan files.

The stdlib ``csv`` module loses what a byte-exact round trip needs (whether a cell was quoted,
which line ending ended each line) and cannot report the physical line of a record, so the
standard gets its own small tokenizer:

* cells are separated by ``,``; a cell starting with ``"`` is quoted, ``""`` inside stands for
  one ``"``, and commas and line breaks inside quotes belong to the cell;
* a record ends at CR LF, LF or CR outside quotes; each line ending is kept as found;
* text is decoded as CP932 with ``surrogateescape``, so undecodable bytes survive as lone
  surrogates (reported as errors by the validator, re-encoded to the same bytes on output);
  CP932 characters with two byte forms (NEC/IBM extensions) are kept as raw bytes by the codec;
* malformed quoting never raises: it is reported as a problem and the raw text is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

ENCODING = "cp932"
CRLF = "\r\n"

#: Problems found by the tokenizer, as (1-based column, reason).
UNTERMINATED = "unterminated"
AFTER_QUOTE = "after-quote"
STRAY_QUOTE = "stray-quote"

_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
UNDECODABLE = re.compile("[\udc80-\udcff]")


def decode(data: bytes) -> tuple[str, bool]:
    """CP932 text of ``data`` and whether it decoded cleanly (never raises).

    Undecodable bytes become lone surrogates U+DC80–U+DCFF.
    """
    try:
        return data.decode(ENCODING), True
    except UnicodeDecodeError:
        return data.decode(ENCODING, "surrogateescape"), False


def encode(text: str) -> bytes:
    """CP932 bytes of ``text``; lone surrogates from ``decode`` become their original bytes."""
    return text.encode(ENCODING, "surrogateescape")


def split_lines(text: str) -> tuple[list[str], str | list[str]]:
    """Physical lines of ``text`` and their endings.

    Returns the lines without endings and either one ending shared by every line (the common,
    fast case) or a list with the ending of each line. The last line's ending is ``""`` when the
    text does not end with a line break; an empty text has no lines.
    """
    if not text:
        return [], CRLF
    lf, cr = text.count("\n"), text.count("\r")
    if cr == 0 or lf == 0 or text.count(CRLF) == cr == lf:
        eol = CRLF if cr and lf else ("\r" if cr else "\n")
        lines = text.split(eol)
        if lines[-1] == "":
            lines.pop()
            return lines, eol
        return lines, [*([eol] * (len(lines) - 1)), ""]
    parts = _LINE_BREAK.split(text)
    lines, eols = parts[0::2], parts[1::2]
    if lines[-1] == "":
        lines.pop()
    else:
        eols.append("")
    return lines, eols


def _closing_quote(line: str, start: int) -> int:
    """Index of the quote closing a quoted cell in ``line`` from ``start``, or -1."""
    while True:
        k = line.find('"', start)
        if k < 0:
            return -1
        if k + 1 < len(line) and line[k + 1] == '"':
            start = k + 2
            continue
        return k


def tokenize_record(
    lines: Sequence[str], eols: str | Sequence[str], first: int
) -> tuple[list[str], list[bool], list[tuple[int, str]], int]:
    """Tokenize the record that starts on physical line ``first``.

    Returns ``(cells, quoted, problems, last)`` where ``last`` is the index of the physical line
    on which the record ends (a quoted cell may span lines) and ``problems`` lists
    ``(column, reason)`` for malformed quoting.
    """
    cells: list[str] = []
    quoted: list[bool] = []
    problems: list[tuple[int, str]] = []
    i = first
    line = lines[i]
    n = len(line)
    pos = 0
    while True:
        column = len(cells) + 1
        if pos < n and line[pos] == '"':
            pieces = []
            start = pos + 1
            while True:
                k = _closing_quote(line, start)
                if k >= 0:
                    pieces.append(line[start:k])
                    pos = k + 1
                    break
                pieces.append(line[start:])
                if i + 1 >= len(lines):
                    problems.append((column, UNTERMINATED))
                    pos = n
                    break
                pieces.append(eols if isinstance(eols, str) else eols[i])
                i += 1
                line = lines[i]
                n = len(line)
                start = 0
            value = "".join(pieces).replace('""', '"')
            if pos < n and line[pos] != ",":
                k = line.find(",", pos)
                k = n if k < 0 else k
                value += line[pos:k]
                problems.append((column, AFTER_QUOTE))
                pos = k
            cells.append(value)
            quoted.append(True)
        else:
            k = line.find(",", pos)
            k = n if k < 0 else k
            value = line[pos:k]
            if '"' in value:
                problems.append((column, STRAY_QUOTE))
            cells.append(value)
            quoted.append(False)
            pos = k
        if pos >= n:
            return cells, quoted, problems, i
        pos += 1


def tokenize(text: str) -> tuple[list[str], list[bool], list[tuple[int, str]]]:
    """Cells, quote flags and quoting problems of one record's raw text."""
    if '"' not in text and "\n" not in text and "\r" not in text:
        cells = text.split(",")
        return cells, [False] * len(cells), []
    lines, eols = split_lines(text)
    if not lines:
        return [""], [False], []
    cells, quoted, problems, _ = tokenize_record(lines, eols, 0)
    return cells, quoted, problems


def needs_quotes(value: str) -> bool:
    """Whether ``value`` cannot be written without quotes."""
    return _NEEDS_QUOTES.search(value) is not None


def render(cells: Sequence[str], quoted: Sequence[bool]) -> str:
    """Raw text of one record; a cell is quoted when flagged or when it must be."""
    parts = []
    for value, q in zip(cells, quoted, strict=True):
        if q or needs_quotes(value):
            parts.append('"' + value.replace('"', '""') + '"')
        else:
            parts.append(value)
    return ",".join(parts)
