"""Validators derived from the layouts.

Two paths check a record and must agree:

* the **fast path**: one regular expression per file (compiled from the layout and the values
  the file must repeat: version, month, sender) that matches a whole valid single-line record.
  A match proves that the slow path would find nothing, so most records cost one C-level match;
* the **slow path**: the tokenized cells are checked one by one and every problem is reported
  with its column, a stable ``CP-…`` code and a Japanese message.

Anything the fast regex cannot express (row rules such as the 福祉用具 code requirement) is
either excluded from it (the record falls back to the slow path) or the layout has no fast path.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kaigo_kiban.careplan.codec.columns import (
    ACCEPTED_VERSIONS,
    UNCERTAIN_CODES,
    UNCERTAIN_LENGTH,
    UNCERTAIN_REQUIRED,
    UNCERTAIN_VALUE,
    Column,
    Kind,
    Layout,
)
from kaigo_kiban.core.errors import FieldError

WARNING = "warning"

_YEAR = "(?:19|20)[0-9]{2}"
_LEAP_YEAR = "(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26]))"
_DATE = (
    f"(?:{_YEAR}(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)"
    "|02(?:0[1-9]|1[0-9]|2[0-8]))"
    f"|{_LEAP_YEAR}0229)"
)

#: Regular expression of a valid non-empty value of each kind ([0-9], never \d: it is Unicode).
KIND_PATTERNS: Mapping[Kind, str] = {
    Kind.VERSION: "[0-9]{6}",
    Kind.DATE: _DATE,
    Kind.MONTH: f"{_YEAR}(?:0[1-9]|1[0-2])",
    Kind.TIME: "(?:[01][0-9]|2[0-3])[0-5][0-9]|2400",
    Kind.INT: "[0-9]+",
    Kind.DIGITS: "[0-9]+",
    Kind.CODE: "[0-9A-Za-z]+",
    Kind.TEXT: "(?s:.+)",
    Kind.INSURER_NO: "(?:0[1-9]|[1-3][0-9]|4[0-7])[0-9]{4}",
    Kind.INSURED_NO: "[0-9]{10}|H[0-9]{9}",
    Kind.OFFICE_NO: "[0-9]{10}",
    Kind.SERVICE_TYPE: "[0-9A-Z]{2}",
    Kind.SERVICE_CODE: "[0-9A-Z]{6}",
    Kind.DECIMAL: r"[0-9]+(?:\.[0-9]+)?",
    Kind.BITMAP: "[01]{31}",
    Kind.POSTAL: "[0-9]{3}-[0-9]{4}",
    Kind.TAIS: "[0-9]{5}-[0-9]{6}",
}

#: Stable error code and Japanese description of each kind.
KIND_ERRORS: Mapping[Kind, tuple[str, str]] = {
    Kind.VERSION: ("CP-VERSION", "6桁の数字"),
    Kind.DATE: ("CP-DATE", "日付（YYYYMMDD）"),
    Kind.MONTH: ("CP-MONTH", "年月（YYYYMM）"),
    Kind.TIME: ("CP-TIME", "時刻（HHMM）"),
    Kind.INT: ("CP-INT", "数字"),
    Kind.DIGITS: ("CP-DIGITS", "数字"),
    Kind.CODE: ("CP-CODE", "定められたコード値"),
    Kind.TEXT: ("CP-TEXT", "文字列"),
    Kind.INSURER_NO: ("CP-INSURER-NO", "6桁の保険者番号"),
    Kind.INSURED_NO: ("CP-INSURED-NO", "10桁の数字（生活保護単独はH＋9桁）"),
    Kind.OFFICE_NO: ("CP-OFFICE-NO", "10桁の事業所番号"),
    Kind.SERVICE_TYPE: ("CP-SERVICE-TYPE", "2桁のサービス種類コード"),
    Kind.SERVICE_CODE: ("CP-SERVICE-CODE", "6桁のサービスコード"),
    Kind.DECIMAL: ("CP-DECIMAL", "数値"),
    Kind.BITMAP: ("CP-BITMAP", "0と1の31桁"),
    Kind.POSTAL: ("CP-POSTAL", "郵便番号（XXX-XXXX）"),
    Kind.TAIS: ("CP-TAIS", "TAISコード（99999-999999）"),
}

#: Kinds whose ``max_length`` is checked on its own (the others imply their length).
_LENGTH_KINDS = frozenset({Kind.INT, Kind.DIGITS, Kind.DECIMAL, Kind.TEXT})
_TEXT_CHARS = "\udc80-\udcff\r\n"  # excluded from fast text cells: undecodable bytes, breaks
_EQUIPMENT_TYPES = ("17", "67")
_DIGITS8 = re.compile("[0-9]{8}")
_DIGITS6 = re.compile("[0-9]{6}")


@dataclass(frozen=True, slots=True)
class Expect:
    """Values every record of one file must repeat; ``None`` when not known."""

    version: str | None = None
    month: str | None = None
    month_from_name: bool = False
    sender: str | None = None
    sender_from_name: bool = False
    sender_type: str | None = None


def problem(
    code: str,
    message: str,
    *,
    line: int = 0,
    column: int = 0,
    value: str | None = None,
    field: str | None = None,
    file: str | None = None,
    warning: bool = False,
) -> FieldError:
    """A ``FieldError``; warnings carry ``extra={"severity": "warning"}``."""
    extra = {"severity": WARNING} if warning else {}
    return FieldError(code, message, line, column, value, field, file, extra)


def is_warning(error: FieldError) -> bool:
    """Whether ``error`` is only a warning (a layout value marked uncertain)."""
    return error.extra.get("severity") == WARNING


def value_pattern(col: Column) -> str:
    """Regular expression of a valid non-empty value of ``col`` (specials included)."""
    if col.codes is not None:
        core = "|".join(re.escape(c) for c in sorted(col.codes, key=len, reverse=True))
    elif col.pattern is not None:
        core = col.pattern
    else:
        core = KIND_PATTERNS[col.kind]
    if col.max_length is not None and col.kind in _LENGTH_KINDS:
        core = f'(?![^,"]{{{col.max_length + 1}}})(?:{core})'
    alternatives = [core, *(re.escape(s) for s in col.specials)]
    return "(?:" + "|".join(alternatives) + ")"


@lru_cache(maxsize=512)
def _value_re(col: Column) -> re.Pattern[str]:
    return re.compile(value_pattern(col))


def fast_fragment(col: Column, literal: str | None = None) -> str:
    """Raw-CSV regular expression of one valid cell of ``col``, quoted or not."""
    if literal is not None:
        lit = re.escape(literal)
        return f'(?:{lit}|"{lit}")'
    if col.kind is Kind.TEXT:
        low = 1 if col.required else 0
        plain = f'[^",{_TEXT_CHARS}]'
        if col.max_length is not None:
            # escaped quotes would make the raw length differ from the value's: slow path
            span = f"{{{low},{col.max_length}}}"
            return f'(?:{plain}{span}|"[^"{_TEXT_CHARS}]{span}")'
        inner = f'[^"{_TEXT_CHARS}]*(?:""[^"{_TEXT_CHARS}]*)*'
        if low:
            return f'(?:{plain}+|"(?=[^"]|"")' + inner + '")'
        return f'(?:{plain}*|"{inner}")'
    value = value_pattern(col)
    if not col.required:
        value += "?"
    return f'(?:{value}|"{value}")'


def cell_problem(col: Column, value: str) -> tuple[str, str, bool] | None:
    """``(code, message, is_warning)`` for a bad cell value, or ``None`` when it is valid.

    The CSV version column is checked by ``check_record`` (it depends on the whole file).
    """
    label = col.name_ja
    unsure = col.uncertain
    warn = col.inferred or UNCERTAIN_VALUE in unsure
    if value == "":
        if col.required:
            return "CP-REQUIRED", f"{label}は必須です", warn or UNCERTAIN_REQUIRED in unsure
        return None
    if col.kind is Kind.TEXT:
        if col.max_length is not None and len(value) > col.max_length:
            message = f"{label}は{col.max_length}文字以内です"
            return "CP-LENGTH", message, warn or UNCERTAIN_LENGTH in unsure
        return None
    if _value_re(col).fullmatch(value):
        return None
    kind_ok = re.fullmatch(KIND_PATTERNS[col.kind], value) is not None
    code, wanted = KIND_ERRORS[col.kind]
    too_long = col.max_length is not None and len(value) > col.max_length
    if col.kind in _LENGTH_KINDS and kind_ok and too_long:
        message = f"{label}は{col.max_length}桁以内です"
        return "CP-LENGTH", message, warn or UNCERTAIN_LENGTH in unsure
    if col.codes is not None:
        return "CP-CODE", f"{label}のコード値が正しくありません", warn or UNCERTAIN_CODES in unsure
    if not kind_ok:
        if col.kind is Kind.DATE and _is_impossible_date(value):
            return code, f"{label}は存在しない日付です", warn
        return code, f"{label}は{wanted}で入力してください", warn
    shape = col.pattern_doc or wanted
    return "CP-FORMAT", f"{label}は{shape}の形式で入力してください", warn


def _is_impossible_date(value: str) -> bool:
    if not _DIGITS8.fullmatch(value):
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return True
    return False


def version_problem(value: str, expected: str | None) -> tuple[str, str] | None:
    """Problem of a CSV version cell given the file's version (the first row's)."""
    if not _DIGITS6.fullmatch(value):
        return "CP-VERSION", "CSVバージョンは6桁の数字です"
    if value not in ACCEPTED_VERSIONS:
        accepted = "・".join(ACCEPTED_VERSIONS)
        return "CP-VERSION-UNSUPPORTED", f"CSVバージョン{value}は受け付けません（{accepted}）"
    if expected is not None and value != expected:
        return "CP-VERSION-MIXED", f"1ファイルに複数のCSVバージョンがあります（先頭行は{expected}）"
    return None


def check_record(
    layout: Layout,
    cells: list[str],
    *,
    line: int,
    file: str | None,
    expect: Expect,
) -> list[FieldError]:
    """Every problem of one record (column count, cells, file consistency, row rules)."""
    out: list[FieldError] = []
    width = layout.width
    if len(cells) != width:
        message = f"項目数が正しくありません（{width}項目のところ{len(cells)}項目）"
        if layout.count_certain:
            return [problem("CP-COLUMN-COUNT", message, line=line, file=file)]
        out.append(problem("CP-COLUMN-COUNT", message, line=line, file=file, warning=True))
    for col, value in zip(layout.columns, cells, strict=False):
        if col.kind is Kind.VERSION:
            found = version_problem(value, expect.version)
            if found:
                out.append(_at(found[0], found[1], col, value, line, file, False))
            continue
        found3 = cell_problem(col, value)
        if found3 is not None:
            out.append(_at(*found3[:2], col, value, line, file, found3[2]))
            continue
        if value:
            out.extend(_consistency(layout, col, value, line, file, expect))
    row_rule = ROW_RULES.get(layout.record_type)
    if row_rule is not None and len(cells) == width:
        out.extend(row_rule(layout, cells, line, file))
    return out


def _at(
    code: str, message: str, col: Column, value: str, line: int, file: str | None, warning: bool
) -> FieldError:
    return problem(
        code,
        message,
        line=line,
        column=col.no,
        value=value,
        field=col.name,
        file=file,
        warning=warning,
    )


def _consistency(
    layout: Layout, col: Column, value: str, line: int, file: str | None, expect: Expect
) -> list[FieldError]:
    """A valid cell that differs from what the whole file must share."""
    if col.name == layout.month_column:
        return _mismatch(
            "MONTH", "対象年月", expect.month, expect.month_from_name, col, value, line, file
        )
    if col.name in layout.sender_columns:
        return _mismatch(
            "SENDER", "送信元", expect.sender, expect.sender_from_name, col, value, line, file
        )
    if col.name == layout.sender_type_column:
        return _mismatch("SENDER", "送信元", expect.sender_type, True, col, value, line, file)
    return []


def _mismatch(
    what: str,
    label: str,
    expected: str | None,
    from_name: bool,
    col: Column,
    value: str,
    line: int,
    file: str | None,
) -> list[FieldError]:
    if expected is None or value == expected:
        return []
    if from_name:
        code, msg = (
            f"CP-{what}-MISMATCH",
            f"{col.name_ja}がファイル名の{label}（{expected}）と違います",
        )
    else:
        code, msg = f"CP-{what}-MIXED", f"1ファイルに複数の{label}があります（先頭行は{expected}）"
    return [_at(code, msg, col, value, line, file, False)]


def _literal(layout: Layout, col: Column, expect: Expect) -> str | None:
    if col.kind is Kind.VERSION:
        return expect.version
    if col.name == layout.month_column:
        return expect.month
    if col.name in layout.sender_columns:
        return expect.sender
    if col.name == layout.sender_type_column:
        return expect.sender_type
    return None


@lru_cache(maxsize=64)
def fast_regex(layout: Layout, expect: Expect) -> re.Pattern[str] | None:
    """The whole-record regex of a file, or ``None`` when the layout has no fast path."""
    if expect.version is None or layout.record_type in _NO_FAST_PATH:
        return None
    overrides_of = _FAST_OVERRIDES.get(layout.record_type)
    overrides = overrides_of(layout, expect) if overrides_of else {}
    if overrides is None:
        return None
    fragments = []
    skip = 0
    for col in layout.columns:
        if skip:
            skip -= 1
            continue
        if col.name in overrides:
            fragment, span = overrides[col.name]
            fragments.append(fragment)
            skip = span - 1
        else:
            fragments.append(fast_fragment(col, _literal(layout, col, expect)))
    return re.compile(",".join(fragments))


def _quoted_or_not(value: str) -> str:
    return f'(?:{value}|"{value}")'


def _days(month: str) -> str:
    last = calendar.monthrange(int(month[:4]), int(month[4:]))[1]
    tail = {28: "2[0-8]", 29: "2[0-9]", 30: "2[0-9]|30", 31: "2[0-9]|3[01]"}[last]
    return f"(?:0[1-9]|1[0-9]|{tail})"


def _usage_overrides(layout: Layout, expect: Expect) -> dict[str, tuple[str, int]] | None:
    """Fast-path cells of 第6表 that encode its row rules.

    The service date must lie in the file's month; columns 15–19 (service code … 明細判別コード)
    are one unit: a 福祉用具 row (type 17/67) names its TAIS or 届出 code and may carry a
    明細判別コード, any other row has none.
    """
    if expect.month is None or not re.fullmatch(KIND_PATTERNS[Kind.MONTH], expect.month):
        return None
    tais, notice, name, detail = (
        layout.column(n)
        for n in ("tais_code", "equipment_notice_code", "equipment_name", "detail_code")
    )
    some_tais = _quoted_or_not(KIND_PATTERNS[Kind.TAIS])
    some_notice = f'(?:[^",{_TEXT_CHARS}]+|"[^"{_TEXT_CHARS}]+")'
    any_tais, any_notice = fast_fragment(tais), fast_fragment(notice)
    other = _quoted_or_not("(?!17|67)[0-9A-Z]{6}")
    equipment = _quoted_or_not("(?:17|67)[0-9A-Z]{4}")
    group = (
        f'(?:{other},{any_tais},{any_notice},{fast_fragment(name)},(?:|"")'
        f"|{equipment},(?:{some_tais},{any_notice}|{any_tais},{some_notice}),"
        f"{fast_fragment(name)},{fast_fragment(detail)})"
    )
    return {
        "service_date": (_quoted_or_not(re.escape(expect.month) + _days(expect.month)), 1),
        "service_code": (group, 5),
    }


def _annex_overrides(layout: Layout, expect: Expect) -> dict[str, tuple[str, int]]:
    """第7表: the grand-total row falls back to the slow path (its office rule)."""
    return {"service_code": (_quoted_or_not("(?!999999)[0-9A-Z]{6}"), 1)}


def _usage_rule(layout: Layout, cells: list[str], line: int, file: str | None) -> list[FieldError]:
    """第6表: service date inside the target month; 福祉用具 rows name their equipment."""
    out = []
    get = layout.index.__getitem__
    day, month = cells[get("service_date")], cells[get("target_month")]
    if _DIGITS8.fullmatch(day) and len(month) == 6 and day[:6] != month:
        col = layout.column("service_date")
        msg = f"サービス利用日が対象年月（{month}）の日付ではありません"
        out.append(_at("CP-DATE-OUTSIDE-MONTH", msg, col, day, line, file, False))
    service_type = cells[get("service_code")][:2]
    if service_type in _EQUIPMENT_TYPES and not (
        cells[get("tais_code")] or cells[get("equipment_notice_code")]
    ):
        col = layout.column("tais_code")
        msg = "福祉用具貸与はTAISコードか福祉用具届出コードが必要です"
        out.append(_at("CP-EQUIPMENT-CODE", msg, col, "", line, file, False))
    detail = cells[get("detail_code")]
    if detail and service_type not in _EQUIPMENT_TYPES:
        col = layout.column("detail_code")
        msg = "明細判別コードは福祉用具貸与（種類17）の行だけに使います"
        out.append(_at("CP-DETAIL-CODE", msg, col, detail, line, file, True))
    return out


def _annex_rule(layout: Layout, cells: list[str], line: int, file: str | None) -> list[FieldError]:
    """第7表: the grand-total row (999999) carries office 9999999999."""
    code = cells[layout.index["service_code"]]
    office = cells[layout.index["provider_office_no"]]
    if code == "999999" and office != "9999999999":
        col = layout.column("provider_office_no")
        msg = "合計行（999999）のサービス事業所コードは9999999999です"
        return [_at("CP-TOTAL-ROW-OFFICE", msg, col, office, line, file, False)]
    return []


def _supplement_rule(
    layout: Layout, cells: list[str], line: int, file: str | None
) -> list[FieldError]:
    """利用者補足情報: plan key xor usage key; service-type slots filled from slot 1."""
    out = []
    plan_date = cells[layout.index["plan_date"]]
    month = cells[layout.index["target_month"]]
    if plan_date and month and (plan_date == "00000000") == (month == "000000"):
        col = layout.column("plan_date")
        msg = "計画作成日が00000000なら対象年月は年月、対象年月が000000なら計画作成日は日付です"
        out.append(_at("CP-SUPPLEMENT-KEY", msg, col, plan_date, line, file, False))
    seen_empty = False
    for n in range(1, 10):
        first = layout.column(f"slot{n}_service_type")
        values = cells[first.no - 1 : first.no + 3]
        if not values[0]:
            seen_empty = True
            if any(values[1:]):
                msg = f"サービス種類コード{n}が空なのに単位数があります"
                out.append(_at("CP-SLOT-GAP", msg, first, "", line, file, False))
        elif seen_empty:
            msg = "サービス種類の枠は１から詰めて使います"
            out.append(_at("CP-SLOT-GAP", msg, first, values[0], line, file, False))
    return out


RowRule = Callable[[Layout, list[str], int, str | None], list[FieldError]]

ROW_RULES: Mapping[str, RowRule] = {
    "UPPLAN": _usage_rule,
    "UPJSK": _usage_rule,
    "UPSIKYU": _annex_rule,
    "UPHOSOKU": _supplement_rule,
}
_FAST_OVERRIDES: Mapping[str, Callable[[Layout, Expect], dict[str, tuple[str, int]] | None]] = {
    "UPPLAN": _usage_overrides,
    "UPJSK": _usage_overrides,
    "UPSIKYU": _annex_overrides,
}
#: Layouts whose row rules the fast regex cannot express; their files are small.
_NO_FAST_PATH = frozenset({"UPHOSOKU"})
