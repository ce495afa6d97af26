"""The readiness schedule CSV (import and export).

Readiness CSV (docs/portal.md §2): a header row (identifiers or Japanese item names), then one
row per municipality. UTF-8 (BOM optional) or Shift_JIS, CRLF or LF. Every problem is
collected with its line and column; the caller changes nothing when there is one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.ids import is_insurer_no, is_municipality_code, municipality_check_digit
from kaigo_kiban.core.tabular import (
    Column,
    Kind,
    Layout,
    compile_layout,
    format_csv_line,
    header_line,
    iter_lines,
    parse_yyyymmdd,
    split_csv_line,
)
from kaigo_kiban.readiness.rules import READINESS_LABELS, ReadinessStatus

PREFIX = "PTL-RDY"
MAX_ERRORS = 1000  # enough to fix a file; bounds memory on a file that is wrong throughout

READINESS = Layout(
    kind="portal_readiness",
    label="市町村の開始予定",
    key=("municipality_code",),
    description="介護情報基盤への送信開始予定（市町村ごと）",
    columns=(
        Column("municipality_code", "全国地方公共団体コード", Kind.DIGITS, 6, True),
        Column("municipality_name", "市町村名", Kind.TEXT, 50, True),
        Column("prefecture", "都道府県", Kind.TEXT, 4, True),
        Column("insurer_no", "保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no),
        Column("planned_start", "開始予定日", Kind.TEXT, 10, note="YYYY-MM-DD または YYYYMMDD"),
        Column(
            "status",
            "状況",
            Kind.CODE,
            required=True,
            codes={s.value: READINESS_LABELS[s] for s in ReadinessStatus},
        ),
    ),
)
_AT = {name: i for i, name in enumerate(READINESS.names)}
_DATE = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    line: int
    municipality_code: str
    municipality_name: str
    prefecture: str
    insurer_no: str
    planned_start: dt.date | None
    status: ReadinessStatus


def parse_planned_start(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` (mixed forms such as ``2026-1101`` are refused)."""
    match = _DATE.fullmatch(text)
    if match is None or text.count("-") not in (0, 2):
        return None
    return parse_yyyymmdd("".join(match.groups()))


def _error(code: str, message: str, line: int, column: str, value: str, file: str) -> FieldError:
    return FieldError(
        code=f"{PREFIX}-{code}",
        message=message,
        line=line,
        column=_AT[column] + 1 if column else 0,
        value=value,
        field=column or None,
        file=file,
    )


def _check_header(cells: list[str] | None, line: int, file: str) -> list[FieldError]:
    expected = [(c.name, c.label) for c in READINESS.columns]
    if cells is None or len(cells) != len(expected):
        names = header_line(READINESS)
        return [_error("HEADER", f"1行目は見出し行です（{names}）", line, "", "", file)]
    return [
        FieldError(
            code=f"{PREFIX}-HEADER",
            message=f"見出しが違います（{name} または {label} が必要です）",
            line=line,
            column=i + 1,
            value=cell,
            file=file,
        )
        for i, (cell, (name, label)) in enumerate(zip(cells, expected, strict=True))
        if cell.strip() not in (name, label)
    ]


def _row_checks(values: tuple[object, ...], line: int, file: str, today: dt.date) -> list:
    """Checks beyond one cell's type: check digit, prefecture, and dates against the status."""
    code, _, prefecture, _, planned, status = (str(v) if v is not None else "" for v in values)
    problems = []
    if not is_municipality_code(code):
        right = (
            f"（検査数字から正しくは {code[:5]}{municipality_check_digit(code[:5])}）"
            if 1 <= int(code[:2]) <= 47
            else "（都道府県コードは01〜47）"
        )
        problems.append(
            _error(
                "MUNICIPALITY-CODE",
                f"全国地方公共団体コード {code} は存在しないコードです{right}",
                line,
                "municipality_code",
                code,
                file,
            )
        )
    if prefecture not in PREFECTURES:
        problems.append(
            _error(
                "PREFECTURE",
                "都道府県: 都道府県名（例: 東京都、神奈川県）で記入してください",
                line,
                "prefecture",
                prefecture,
                file,
            )
        )
    elif 1 <= int(code[:2]) <= 47 and PREFECTURES.index(prefecture) + 1 != int(code[:2]):
        problems.append(
            _error(
                "PREFECTURE-MISMATCH",
                f"都道府県が団体コードの都道府県（コード {code[:2]}）と一致しません",
                line,
                "prefecture",
                prefecture,
                file,
            )
        )
    day = parse_planned_start(planned) if planned else None
    if planned and day is None:
        problems.append(
            _error(
                "DATE",
                "開始予定日: 実在する日付を YYYY-MM-DD または YYYYMMDD で記入してください",
                line,
                "planned_start",
                planned,
                file,
            )
        )
    elif not planned and status != ReadinessStatus.ARRANGING:
        problems.append(
            _error(
                "DATE-REQUIRED",
                "開始予定日: 状況が SCHEDULED または LIVE の行は必須です（未定なら ARRANGING）",
                line,
                "planned_start",
                planned,
                file,
            )
        )
    elif day is not None and status == ReadinessStatus.SCHEDULED and day < today:
        problems.append(
            _error(
                "PAST-DATE",
                f"開始予定日 {day.isoformat()} は過去の日付です（開始済みなら LIVE、"
                "延期なら新しい予定日か ARRANGING にしてください）",
                line,
                "planned_start",
                planned,
                file,
            )
        )
    return problems


def parse_readiness(
    stream: BinaryIO, *, file: str, today: dt.date, max_line_bytes: int
) -> tuple[list[ReadinessRow], list[FieldError]]:
    """Every row of a readiness CSV, and every problem found (rows are meaningless if any)."""
    compiled = compile_layout(READINESS)
    width = len(READINESS.columns)
    rows: list[ReadinessRow] = []
    errors: list[FieldError] = []
    first_line: dict[str, int] = {}
    header_pending = True
    for raw in iter_lines(stream, file=file, max_line_bytes=max_line_bytes, prefix=PREFIX):
        if len(errors) >= MAX_ERRORS:
            break
        if raw.problem is not None:
            errors.append(raw.problem)
            header_pending = False
            continue
        text = raw.text or ""
        cells = split_csv_line(text)
        if header_pending:
            header_pending = False
            errors.extend(_check_header(cells, raw.number, file))
            continue
        if not text.strip():
            continue  # blank lines (a trailing one from a spreadsheet) carry nothing
        if cells is None or len(cells) != width:
            why = (
                "引用符の対応が正しくありません" if cells is None else f"項目数が {len(cells)} です"
            )
            errors.append(
                _error("COLUMN-COUNT", f"{why}（{width} 項目が必要です）", raw.number, "", "", file)
            )
            continue
        cells = [c.strip() for c in cells]
        line_errors: list[FieldError] = []
        values = compiled.convert(cells, raw.number, file, line_errors, PREFIX)
        if values is not None:
            line_errors += _row_checks(values, raw.number, file, today)
        code = cells[0]
        if code in first_line:
            line_errors.append(
                _error(
                    "DUPLICATE",
                    f"全国地方公共団体コード {code} が {first_line[code]} 行目と重複しています",
                    raw.number,
                    "municipality_code",
                    code,
                    file,
                )
            )
        else:
            first_line[code] = raw.number
        if line_errors or values is None:
            errors += line_errors
            continue
        planned = str(values[_AT["planned_start"]] or "")
        rows.append(
            ReadinessRow(
                line=raw.number,
                municipality_code=cells[0],
                municipality_name=cells[1],
                prefecture=cells[2],
                insurer_no=cells[3],
                planned_start=parse_planned_start(planned) if planned else None,
                status=ReadinessStatus(cells[5]),
            )
        )
    if header_pending:
        errors.append(_error("EMPTY", "ファイルが空です", 0, "", "", file))
    elif not rows and not errors:
        errors.append(_error("NO-ROWS", "データ行がありません", 0, "", "", file))
    return rows, errors[:MAX_ERRORS]


def format_readiness(rows: Iterable[ReadinessRow]) -> str:
    """The schedule as a CSV the importer reads back unchanged (UTF-8 with BOM, CRLF)."""
    lines = [header_line(READINESS)]
    for r in rows:
        lines.append(
            format_csv_line(
                [
                    r.municipality_code,
                    r.municipality_name,
                    r.prefecture,
                    r.insurer_no,
                    r.planned_start.isoformat() if r.planned_start else "",
                    r.status.value,
                ]
            )
        )
    return "\ufeff" + "".join(line + "\r\n" for line in lines)
