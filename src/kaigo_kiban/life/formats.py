"""LIFE CSV files (CSV interface spec 2021 v1.0): reading and validating, line by line.

Structure: line 1 is the interface id (``SERVICE_USER_INFO``, ``FORM_0000_2021`` …), line 2
the physical column names, data from line 3. UTF-8 (BOM optional) or CP932; lines end in
CRLF, LF or CR. Cell values: empty = leave unchanged on update (NULL on insert); one
half-width space = set NULL. The item lists (names, types, lengths, required marks, code
lists) are package data (``life/data/items.csv``) taken from the MHLW item list.

Every problem is a :class:`~kaigo_kiban.core.errors.FieldError` with its line and column;
reading never stops at the first one.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.ids import is_insured_no, is_insurer_no, is_office_no, is_service_type
from kaigo_kiban.core.tabular import detect_encoding, parse_yyyymmdd, split_csv_line

# Every interface of the 2021 spec; only the first two are taken in.
KNOWN_INTERFACES = (
    "SERVICE_USER_INFO",
    "FORM_0000_2021",
    "FORM_0001_2021",
    "FORM_0002_2021",
    "FORM_0100_2021",
    "FORM_0210_2021",
    "FORM_0220_2021",
    "FORM_0310_2021",
    "FORM_0320_2021",
    "FORM_0330_2021",
    "FORM_0410_2021",
    "FORM_0420_2021",
    "FORM_0430_2021",
    "FORM_0440_2021",
    "FORM_0450_2021",
    "FORM_0500_2021",
    "FORM_0600_2021",
    "FORM_0700_2021",
    "FORM_0800_2021",
    "FORM_0801_2021",
    "FORM_0900_2021",
    "FORM_8000_2021",
)
USER_INFO = "SERVICE_USER_INFO"
FORM_0000 = "FORM_0000_2021"
INTERFACE_LABELS = {USER_INFO: "利用者情報", FORM_0000: "科学的介護推進情報"}
# Dates that may lie ahead: the end of a certification period and a planned end of use.
FUTURE_ALLOWED = frozenset({"care_period_start", "care_period_end", "end_date"})
SET_NULL = " "
PREFIX = "LIFE"


@dataclass(frozen=True)
class LifeColumn:
    name: str
    label: str
    kind: str  # text | date | code | number
    length: int
    decimals: int
    required: str  # always | final | conditional | ""
    codes: dict[str, str]


@cache
def interfaces() -> dict[str, tuple[LifeColumn, ...]]:
    """The item lists of the interfaces taken in, from package data."""
    text = resources.files("kaigo_kiban.life").joinpath("data/items.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    result: dict[str, list[LifeColumn]] = {}
    for row in csv.DictReader(lines):
        codes = dict(item.split("=", 1) for item in row["codes"].split("|") if item)
        result.setdefault(row["interface_id"], []).append(
            LifeColumn(
                name=row["name"],
                label=row["label"],
                kind=row["kind"],
                length=int(row["length"] or 0),
                decimals=int(row["decimals"] or 0),
                required=row["required"],
                codes=codes,
            )
        )
    return {k: tuple(v) for k, v in result.items()}


@dataclass
class LifeRow:
    """One data line. ``values`` holds only the cells that say something: a value, or None
    for a half-width space (set NULL); empty cells are absent (leave unchanged)."""

    line: int
    values: dict[str, object]


@dataclass
class LifeFileContent:
    interface_id: str | None
    names: list[str] = field(default_factory=list)  # column names in the file's order
    rows: list[LifeRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


_LINE_END = re.compile(rb"\r\n|\r|\n")
_IDS = {
    "care_facility_id": (is_office_no, "事業所番号は10桁の数字です"),
    "insurer_no": (is_insurer_no, "保険者番号は6桁の数字です (検証番号を含む)"),
    "insured_no": (
        lambda v: is_insured_no(v, allow_public_assistance=False),
        "被保険者番号は10桁の数字です",
    ),
    "service_code": (is_service_type, "サービス種類コードは2桁です"),
}


def _error(
    code: str, message: str, line: int, column: int = 0, value: str | None = None, file: str = ""
) -> FieldError:
    return FieldError(
        code=f"{PREFIX}-{code}", message=message, line=line, column=column, value=value, file=file
    )


def _number_pattern(col: LifeColumn) -> re.Pattern[str]:
    fraction = rf"(\.[0-9]{{1,{col.decimals}}})?" if col.decimals else ""
    return re.compile(rf"[0-9]{{1,{col.length}}}{fraction}")


def _convert(col: LifeColumn, text: str, today: dt.date) -> tuple[object, str | None, str | None]:
    """(value, error code suffix, message) of one non-empty cell."""
    if col.name in _IDS:
        check, message = _IDS[col.name]
        return (text, None, None) if check(text) else (None, "ID", f"{col.label}: {message}")
    if col.kind == "date":
        day = parse_yyyymmdd(text)
        if day is None:
            return None, "DATE", f"{col.label}: 日付が正しくありません (YYYYMMDD の実在する日付)"
        if day > today and col.name not in FUTURE_ALLOWED:
            return None, "FUTURE-DATE", f"{col.label}: 未来の日付は指定できません"
        return day, None, None
    if col.kind == "code":
        if text in col.codes:
            return text, None, None
        allowed = ", ".join(f"{k}={v}" for k, v in col.codes.items())
        return None, "CODE", f"{col.label}: コード値が定義にありません ({allowed})"
    if col.kind == "number":
        if _number_pattern(col).fullmatch(text):
            return float(text), None, None
        digits = f"整数{col.length}桁" + (f"・小数{col.decimals}桁" if col.decimals else "")
        return None, "NUMBER", f"{col.label}: 数値が正しくありません ({digits}まで)"
    if len(text) > col.length or "\x00" in text:
        return None, "TEXT", f"{col.label}: {col.length}文字以内で入力してください"
    return text, None, None


def _header(
    cells: list[str], columns: tuple[LifeColumn, ...], file: str
) -> tuple[list[LifeColumn | None], list[FieldError]]:
    """Columns of the header line (line 2): every name known, none twice, none missing."""
    by_name = {c.name: c for c in columns}
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    order: list[LifeColumn | None] = []
    for i, raw in enumerate(cells, start=1):
        name = raw.strip()
        col = by_name.get(name)
        if col is None:
            errors.append(
                _error(
                    "UNKNOWN-COLUMN", "この列名はこのインタフェースにありません", 2, i, raw, file
                )
            )
        elif name in seen:
            errors.append(
                _error(
                    "DUPLICATE-COLUMN", f"列名が {seen[name]} 列目と重複しています", 2, i, raw, file
                )
            )
            col = None
        else:
            seen[name] = i
        order.append(col)
    for col in columns:
        if col.name not in seen:
            errors.append(
                _error(
                    "MISSING-COLUMN",
                    f"列 {col.name} ({col.label}) がありません",
                    2,
                    0,
                    col.name,
                    file,
                )
            )
    return order, errors


def read_life_file(data: bytes, *, file: str, today: dt.date) -> LifeFileContent:
    """Read and validate a LIFE CSV file (every line, every cell)."""
    encoding = detect_encoding(data[:65536])
    raw_lines = _LINE_END.split(data)
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    content = LifeFileContent(interface_id=None)
    errors = content.errors
    if not raw_lines:
        errors.append(_error("EMPTY", "ファイルが空です", 0, file=file))
        return content
    texts: list[str | None] = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            label = "UTF-8" if encoding != "cp932" else "Shift_JIS (CP932)"
            errors.append(
                _error(
                    "ENCODING",
                    f"文字コード {label} として読めないバイトがあります",
                    number,
                    file=file,
                )
            )
            text = None
        if number == 1 and text is not None:
            text = text.removeprefix("\ufeff")
        texts.append(text)

    first = split_csv_line(texts[0] or "") or [""]
    interface_id = first[0].strip()
    if interface_id not in interfaces():
        known = interface_id in KNOWN_INTERFACES
        errors.append(
            _error(
                "UNSUPPORTED-INTERFACE" if known else "UNKNOWN-INTERFACE",
                (
                    f"インタフェース {interface_id} の取込には対応していません (対応: {', '.join(interfaces())})"
                    if known
                    else "1行目のインタフェースID (SERVICE_USER_INFO、FORM_0000_2021 など) が正しくありません"
                ),
                1,
                1,
                interface_id[:60],
                file,
            )
        )
        return content
    content.interface_id = interface_id
    if len(texts) < 2 or texts[1] is None:
        if len(texts) < 2:
            errors.append(_error("HEADER", "2行目 (列名の行) がありません", 2, file=file))
        return content
    order, header_errors = _header(split_csv_line(texts[1]) or [], interfaces()[interface_id], file)
    errors.extend(header_errors)
    if header_errors:
        return content
    content.names = [c.name for c in order if c is not None]
    width = len(order)
    for number, text in enumerate(texts[2:], start=3):
        if text is None:
            continue
        if text == "":
            continue  # blank lines carry nothing
        cells = split_csv_line(text)
        if cells is None:
            errors.append(
                _error("SYNTAX", '引用符 (") の対応が正しくありません', number, 0, text[:80], file)
            )
            continue
        if len(cells) != width:
            errors.append(
                _error(
                    "COLUMN-COUNT",
                    f"項目数が {len(cells)} です ({width} 項目が必要です)",
                    number,
                    0,
                    str(len(cells)),
                    file,
                )
            )
            continue
        row = _row(cells, order, number, today, file, errors)
        if row is not None:
            content.rows.append(row)
    if not content.rows and not errors:
        errors.append(_error("EMPTY", "データ行 (3行目以降) がありません", 0, file=file))
    return content


def _row(
    cells: list[str],
    order: list[LifeColumn | None],
    number: int,
    today: dt.date,
    file: str,
    errors: list[FieldError],
) -> LifeRow | None:
    values: dict[str, object] = {}
    ok = True
    for i, (cell, col) in enumerate(zip(cells, order, strict=True), start=1):
        assert col is not None
        if cell == "" or cell == SET_NULL:
            if col.required == "always":
                errors.append(
                    _error("REQUIRED", f"{col.label}: 必須項目が空です", number, i, cell, file)
                )
                ok = False
            elif cell == SET_NULL:
                values[col.name] = None
            continue
        value, suffix, message = _convert(col, cell, today)
        if suffix is not None:
            errors.append(_error(suffix, message or "", number, i, cell, file))
            ok = False
            continue
        values[col.name] = value
    return LifeRow(number, values) if ok else None


def life_csv(interface_id: str, rows: list[dict[str, str]]) -> str:
    """A LIFE CSV text (CRLF) in the official column order; used by the demo and tests."""
    columns = [c.name for c in interfaces()[interface_id]]
    lines = [interface_id, ",".join(columns)]
    for row in rows:
        cells = []
        for name in columns:
            value = row.get(name, "")
            cells.append(f'"{value}"' if "," in value or '"' in value else value)
        lines.append(",".join(cells))
    return "".join(line + "\r\n" for line in lines)
