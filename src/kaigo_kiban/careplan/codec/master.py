"""Loader of the service-code master (介護給付費単位数等サービスコード表).

The packaged R6 home-care table lives in ``careplan/codec/data/`` (see its README for provenance and
the corrections made). Any future table with the same header can be loaded instead: plain or
gzipped, UTF-8 with or without BOM.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from kaigo_kiban.careplan.codec.rules import ServiceCode, ServiceCodeMaster
from kaigo_kiban.core.errors import FieldError, FileRejected
from kaigo_kiban.core.ids import is_service_code

HEADER = (
    "system",
    "service_category",
    "service_category_name",
    "service_code",
    "service_name",
    "units",
    "unit_type",
    "calculation_type",
    "valid_from",
    "valid_until",
    "notes",
    "formula",
)
PACKAGED = "service_codes_r6_zaitaku.csv.gz"


@cache
def default_service_codes() -> ServiceCodeMaster:
    """The packaged R6 home-care master (read once per process)."""
    data = resources.files("kaigo_kiban.careplan.codec").joinpath("data", PACKAGED).read_bytes()
    return parse_service_codes(data, PACKAGED)


def load_service_codes(path: str | Path) -> ServiceCodeMaster:
    """A master from a CSV file with the standard header (``.gz`` allowed)."""
    path = Path(path)
    return parse_service_codes(path.read_bytes(), path.name)


def parse_service_codes(data: bytes, source: str = "service_codes") -> ServiceCodeMaster:
    """Parse a master; every bad row is reported at once (``FileRejected``, codes ``CP-MASTER-*``).

    The service type is taken from the code's first two characters, never from the category
    columns (the reference table names category 33 wrongly).
    """
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(rows, None)
    if header is None or tuple(header) != HEADER:
        error = FieldError(
            "CP-MASTER-HEADER",
            "サービスコード表の見出し行が想定と違います",
            line=1,
            value=",".join(header or []),
            file=source,
        )
        raise FileRejected("サービスコード表を読めません", [error])
    entries = []
    errors = []
    for line, row in enumerate(rows, start=2):
        entry, problem = _entry(row, line, source)
        if problem is not None:
            errors.append(problem)
        elif entry is not None:
            entries.append(entry)
    if errors:
        raise FileRejected("サービスコード表に誤りがあります", errors)
    return ServiceCodeMaster(entries)


def _entry(row: list[str], line: int, source: str) -> tuple[ServiceCode | None, FieldError | None]:
    if not row:
        return None, None
    if len(row) != len(HEADER):
        msg = f"項目数が{len(HEADER)}ではありません"
        return None, FieldError("CP-MASTER-COLUMN-COUNT", msg, line=line, file=source)
    values = dict(zip(HEADER, row, strict=True))
    code = values["service_code"]
    if not is_service_code(code):
        msg = "サービスコードが6文字ではありません"
        return None, FieldError("CP-MASTER-CODE", msg, line=line, column=4, value=code, file=source)
    if not values["units"].isdigit():
        msg = "単位数が数字ではありません"
        return None, FieldError(
            "CP-MASTER-UNITS", msg, line=line, column=6, value=values["units"], file=source
        )
    try:
        valid_from = _date(values["valid_from"])
        valid_until = _date(values["valid_until"])
    except ValueError:
        msg = "適用期間の日付が不正です"
        return None, FieldError("CP-MASTER-DATE", msg, line=line, column=9, file=source)
    entry = ServiceCode(
        code=code,
        name=values["service_name"],
        units=int(values["units"]),
        unit_type=values["unit_type"],
        calculation_type=values["calculation_type"],
        valid_from=valid_from,
        valid_until=valid_until,
        formula=values["formula"] or None,
    )
    return entry, None


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None
