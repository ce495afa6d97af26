"""Synthetic, valid care-plan rows and file names for the careplan tests (no real people)."""

from __future__ import annotations

from kaigo_kiban.careplan.codec.columns import Column, Kind, Layout
from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import CareplanFile, build_careplan
from kaigo_kiban.careplan.codec.layouts import LAYOUTS

SENDER = "1310000001"
RECEIVER = "1310000002"
MONTH = "202505"
STAMP = "20250425120000"
TRICKY_TEXT = '介護 "花子", 様\r\n（テスト）'

_KIND_VALUES = {
    Kind.VERSION: "202407",
    Kind.DATE: "20250425",
    Kind.MONTH: MONTH,
    Kind.TIME: "0900",
    Kind.INT: "1",
    Kind.DIGITS: "1",
    Kind.TEXT: "テキスト",
    Kind.INSURER_NO: "131016",
    Kind.INSURED_NO: "0000000001",
    Kind.OFFICE_NO: RECEIVER,
    Kind.SERVICE_TYPE: "11",
    Kind.SERVICE_CODE: "114845",
    Kind.DECIMAL: "1.0",
    Kind.BITMAP: "1" * 5 + "0" * 26,
    Kind.POSTAL: "100-0001",
    Kind.TAIS: "00170-000001",
}


def name_for(record_type: str, *, v3: bool = False, month: str = MONTH) -> FileName:
    """A valid file name for ``record_type`` sent by SENDER (type 43) to RECEIVER (type 11)."""
    layout = LAYOUTS[record_type]
    target = None
    if layout.month_in_name:
        target = month
    return FileName(
        record_type=record_type,
        sender_office_no=SENDER,
        receiver_office_no=RECEIVER,
        created_at=STAMP,
        target_month=target,
        sender_service_type=None if v3 else "43",
        receiver_service_type=None if v3 else "11",
    )


def sample_value(layout: Layout, col: Column, text: str = "テキスト") -> str:
    """A valid value of ``col`` consistent with the file name of ``name_for``."""
    if col.name in layout.sender_columns:
        return SENDER
    if col.name == layout.sender_type_column:
        return "43"
    if col.kind is Kind.TEXT:
        return text if col.max_length is None else text[: col.max_length]
    if col.codes:
        return next(iter(col.codes))
    if col.pattern_doc == "99.99":
        return "11.40"
    return _KIND_VALUES[col.kind]


def valid_rows(record_type: str, *, text: str = "テキスト") -> list[dict[str, str]]:
    """Rows forming a valid file of ``record_type`` (free text set to ``text``)."""
    layout = LAYOUTS[record_type]
    row = {c.name: sample_value(layout, c, text) for c in layout.columns}
    if record_type == "UPHOSOKU":
        row.update(plan_date="00000000", target_month=MONTH, care_level="21")
        for n in range(2, 10):
            for part in ("service_type", "limit_units", "total_units", "over_units"):
                row[f"slot{n}_{part}"] = ""
    if record_type in ("UPPLAN", "UPJSK"):
        row.update(
            service_date=f"{MONTH}12",
            detail_code="",
            tais_code="",
            equipment_notice_code="",
            equipment_name="",
        )
    if record_type == "UPSIKYU":
        total = {
            **row,
            "service_code": "999999",
            "provider_office_no": "9999999999",
            "tais_code": "",
        }
        return [{**row, "tais_code": ""}, total]
    return [row]


def valid_file(
    record_type: str, *, text: str = "テキスト", v3: bool = False, eol: str = "\r\n"
) -> CareplanFile:
    """A valid built file of ``record_type`` (asserted free of errors and warnings)."""
    rows = valid_rows(record_type, text=text)
    built = build_careplan(record_type, rows, name_for(record_type, v3=v3), eol=eol)
    assert built.errors == [], built.errors
    return built


def usage_row(**changes: str) -> dict[str, str]:
    """One valid 第6表 (UPPLAN) row with ``changes`` applied."""
    return {**valid_rows("UPPLAN")[0], **changes}
