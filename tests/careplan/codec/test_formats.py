"""The care-plan CSV codec: byte-exact round trips and every validation error it reports."""

from __future__ import annotations

import pytest

from kaigo_kiban.careplan.codec.formats import Record, build_careplan, read_careplan
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.core.errors import FileRejected
from tests.careplan.careplan_samples import (
    MONTH,
    RECEIVER,
    SENDER,
    TRICKY_TEXT,
    name_for,
    usage_row,
    valid_file,
    valid_rows,
)

PLAN = str(name_for("UPPLAN"))


def codes(parsed) -> list[str]:
    return [e.code for e in parsed.errors]


def plan_bytes(*rows: dict[str, str], eol: str = "\r\n") -> bytes:
    return build_careplan("UPPLAN", list(rows), name_for("UPPLAN"), eol=eol).to_bytes()


def replace_line(data: bytes, line: int, old: bytes, new: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return b"\r\n".join(lines)


@pytest.mark.parametrize("eol", ["\r\n", "\n"], ids=["CRLF", "LF"])
@pytest.mark.parametrize("record_type", list(LAYOUTS))
def test_every_record_type_round_trips_byte_for_byte(record_type, eol):
    data = valid_file(record_type, text=TRICKY_TEXT, eol=eol).to_bytes()
    if any(c.kind.value == "text" for c in LAYOUTS[record_type].columns):
        assert TRICKY_TEXT.replace('"', '""').encode("cp932") in data

    parsed = read_careplan(data, str(name_for(record_type)))

    assert parsed.errors == [] and parsed.warnings == []
    assert parsed.to_bytes() == data
    assert parsed.version == "202407"
    assert {r.eol for r in parsed.records} == {eol}


@pytest.mark.parametrize("record_type", list(LAYOUTS))
def test_every_record_type_keeps_quoted_commas_quotes_and_newlines(record_type):
    rows = valid_rows(record_type, text=TRICKY_TEXT)
    data = valid_file(record_type, text=TRICKY_TEXT).to_bytes()

    parsed = read_careplan(data, None, record_type=record_type)

    columns = LAYOUTS[record_type].columns
    assert [r.cells() for r in parsed.records] == [[row[c.name] for c in columns] for row in rows]


def test_lf_input_is_written_back_as_lf():
    data = plan_bytes(usage_row(), usage_row(service_date=f"{MONTH}13"), eol="\n")
    assert b"\r" not in data.replace(b"\r\n", b"")  # only the CR LF inside the quoted names

    parsed = read_careplan(data, PLAN)

    assert parsed.errors == []
    assert parsed.to_bytes() == data
    assert [r.eol for r in parsed.records] == ["\n", "\n"]


@pytest.mark.parametrize("eols", [("\r",), ("\r\n", "\n"), ("\n", "\r", "\r\n")])
def test_cr_and_mixed_line_endings_round_trip(eols):
    rows = [
        usage_row(service_date=f"{MONTH}{10 + i}", plan_manager_name="計画 太郎") for i in range(3)
    ]
    one_by_one = [build_careplan("UPPLAN", [r], name_for("UPPLAN")).records[0].text for r in rows]
    data = "".join(t + eols[i % len(eols)] for i, t in enumerate(one_by_one)).encode("cp932")

    parsed = read_careplan(data, PLAN)

    assert parsed.errors == []
    assert parsed.to_bytes() == data


def test_file_without_final_line_break_round_trips():
    data = plan_bytes(usage_row()).rstrip(b"\r\n")
    parsed = read_careplan(data, PLAN)
    assert parsed.errors == []
    assert parsed.to_bytes() == data
    assert parsed.records[-1].eol == ""


def test_quoted_numeric_cells_are_accepted_and_kept():
    data = (
        plan_bytes(usage_row())
        .replace(b"202407,", b'"202407",', 1)
        .replace(b",114845,", b',"114845",')
    )
    parsed = read_careplan(data, PLAN)
    assert parsed.errors == []
    assert parsed.to_bytes() == data
    assert parsed.records[0].split()[1][:2] == [True, False]


def test_multiline_record_reports_errors_on_its_first_physical_line():
    first = usage_row(plan_manager_name="一行目\r\n二行目")
    second = usage_row(insured_no="123456789")
    data = plan_bytes(first, second)

    parsed = read_careplan(data, PLAN)

    assert [(e.code, e.line, e.column) for e in parsed.errors] == [("CP-INSURED-NO", 3, 3)]
    assert [r.line for r in parsed.records] == [1, 3]
    assert parsed.records[0].cells()[6] == "一行目\r\n二行目"


def test_wrong_column_count_is_reported_for_the_line():
    data = plan_bytes(usage_row(), usage_row())
    lines = data.split(b"\r\n")
    lines[1] += b","
    data = b"\r\n".join(lines)

    parsed = read_careplan(data, PLAN)

    [error] = parsed.errors
    assert (error.code, error.line, error.column) == ("CP-COLUMN-COUNT", 2, 0)
    assert "25項目" in error.message and "26項目" in error.message
    assert parsed.to_bytes() == data


def test_unsupported_version_is_rejected():
    data = plan_bytes(usage_row(csv_version="202410"))
    parsed = read_careplan(data, PLAN)
    [error] = parsed.errors
    assert (error.code, error.line, error.column, error.value) == (
        "CP-VERSION-UNSUPPORTED",
        1,
        1,
        "202410",
    )


@pytest.mark.parametrize("version", ["202407", "202504", "202208"])
def test_accepted_versions_read_cleanly(version):
    parsed = read_careplan(plan_bytes(usage_row(csv_version=version)), PLAN)
    assert parsed.errors == [] and parsed.version == version


def test_mixed_versions_in_one_file_are_rejected_per_row():
    data = plan_bytes(usage_row(), usage_row(csv_version="202208"), usage_row())
    parsed = read_careplan(data, PLAN)
    [error] = parsed.errors
    assert (error.code, error.line, error.value) == ("CP-VERSION-MIXED", 2, "202208")


def test_impossible_dates_are_rejected():
    data = plan_bytes(usage_row(created_on="20250230"), usage_row(created_on="20240229"))
    parsed = read_careplan(data, PLAN)
    [error] = parsed.errors
    assert (error.code, error.line, error.column, error.value) == ("CP-DATE", 1, 4, "20250230")
    assert "存在しない日付" in error.message


@pytest.mark.parametrize(
    ("field", "value", "code", "column"),
    [
        ("insured_no", "000000001", "CP-INSURED-NO", 3),
        ("provider_office_no", "131000000", "CP-OFFICE-NO", 20),
        ("insurer_no", "13101", "CP-INSURER-NO", 2),
        ("service_code", "11484", "CP-SERVICE-CODE", 15),
        ("service_count", "１", "CP-INT", 14),
        ("start_time", "2460", "CP-TIME", 12),
        ("over_30_days", "2", "CP-CODE", 23),
        ("proration_days", "10", "CP-BITMAP", 11),
        ("prior_short_stay_days", "123456", "CP-LENGTH", 9),
    ],
)
def test_bad_cells_are_reported_with_code_column_and_value(field, value, code, column):
    parsed = read_careplan(plan_bytes(usage_row(**{field: value})), PLAN)
    assert [(e.code, e.line, e.column, e.value, e.field) for e in parsed.errors] == [
        (code, 1, column, value, field)
    ]
    assert parsed.errors[0].file == PLAN


def test_public_assistance_insured_number_is_accepted():
    parsed = read_careplan(plan_bytes(usage_row(insured_no="H123456789")), PLAN)
    assert parsed.errors == []


def test_every_error_of_the_file_is_collected():
    data = plan_bytes(
        usage_row(insured_no="12345"),
        usage_row(created_on="20250230", service_code=""),
        usage_row(),
        usage_row(csv_version="202410", target_month="202506"),
    )
    parsed = read_careplan(data, PLAN)
    assert [(e.code, e.line) for e in parsed.errors] == [
        ("CP-INSURED-NO", 1),
        ("CP-DATE", 2),
        ("CP-REQUIRED", 2),
        ("CP-VERSION-UNSUPPORTED", 4),
        ("CP-MONTH-MISMATCH", 4),
        ("CP-DATE-OUTSIDE-MONTH", 4),
    ]


def test_bytes_that_are_not_cp932_are_an_error_with_the_line_and_survive_the_round_trip():
    good = plan_bytes(usage_row(), usage_row())
    data = replace_line(good, 2, "テキスト".encode("cp932"), b"\x81\x20\xff")
    assert data != good

    parsed = read_careplan(data, PLAN)

    assert [(e.code, e.line) for e in parsed.errors] == [("CP-ENCODING", 2)]
    assert parsed.errors[0].value == "0x81"
    assert parsed.to_bytes() == data


def test_characters_with_two_cp932_forms_keep_their_original_bytes():
    ibm_form = b"\xfa\x5c"  # IBM extension; Python writes the NEC-selected form ED 40
    assert ibm_form.decode("cp932") == "纊" and "纊".encode("cp932") != ibm_form
    data = plan_bytes(usage_row(plan_manager_name="X")).replace(b'"X"', b'"' + ibm_form + b'"')

    parsed = read_careplan(data, PLAN)

    assert parsed.errors == []
    assert parsed.records[0].cells()[6] == "纊"
    assert parsed.to_bytes() == data


def test_sender_in_rows_must_match_the_file_name():
    data = plan_bytes(usage_row(), usage_row(updater_office_no="1310000009"))
    parsed = read_careplan(data, PLAN)
    [error] = parsed.errors
    assert (error.code, error.line, error.column, error.value) == (
        "CP-SENDER-MISMATCH",
        2,
        24,
        "1310000009",
    )


def test_provider_of_actual_results_must_be_the_sender():
    rows = [{**valid_rows("UPJSK")[0], "provider_office_no": RECEIVER}]
    parsed = build_careplan("UPJSK", rows, name_for("UPJSK"))
    assert [(e.code, e.field) for e in parsed.errors] == [
        ("CP-SENDER-MISMATCH", "provider_office_no")
    ]


def test_without_a_file_name_rows_must_share_one_sender_and_month():
    data = plan_bytes(
        usage_row(), usage_row(updater_office_no=RECEIVER), usage_row(target_month="202506")
    )
    parsed = read_careplan(data, None, record_type="UPPLAN")
    assert [(e.code, e.line) for e in parsed.errors] == [
        ("CP-SENDER-MIXED", 2),
        ("CP-MONTH-MIXED", 3),
        ("CP-DATE-OUTSIDE-MONTH", 3),
    ]


def test_target_month_in_rows_must_match_the_file_name():
    data = plan_bytes(usage_row(target_month="202506", service_date="20250612"))
    parsed = read_careplan(data, PLAN)
    [error] = parsed.errors
    assert (error.code, error.column, error.value) == ("CP-MONTH-MISMATCH", 5, "202506")


def test_service_date_must_lie_in_the_target_month():
    parsed = read_careplan(plan_bytes(usage_row(service_date="20250612")), PLAN)
    assert [(e.code, e.column) for e in parsed.errors] == [("CP-DATE-OUTSIDE-MONTH", 10)]


def test_equipment_rental_rows_need_a_tais_or_notice_code():
    ok_tais = usage_row(service_code="171001", tais_code="00170-000001", detail_code="1")
    ok_notice = usage_row(service_code="171001", equipment_notice_code="TD-1")
    missing = usage_row(service_code="171001")
    parsed = read_careplan(plan_bytes(ok_tais, ok_notice, missing), PLAN)
    assert [(e.code, e.line, e.column) for e in parsed.errors] == [("CP-EQUIPMENT-CODE", 3, 16)]


def test_detail_code_outside_equipment_rows_is_only_a_warning():
    parsed = read_careplan(plan_bytes(usage_row(detail_code="1")), PLAN)
    assert parsed.errors == []
    assert [(w.code, w.extra) for w in parsed.warnings] == [
        ("CP-DETAIL-CODE", {"severity": "warning"})
    ]


def test_values_marked_uncertain_in_the_layout_only_warn():
    rows = valid_rows("UPSIKYU")
    rows[0] = {**rows[0], "discount_rate": "100.00", "operator_code": "X"}
    parsed = build_careplan("UPSIKYU", rows, name_for("UPSIKYU"))
    assert parsed.errors == []
    assert sorted(w.code for w in parsed.warnings) == ["CP-LENGTH", "CP-OFFICE-NO"]


def test_unlisted_care_level_is_a_warning_and_a_missing_uncertain_required_value_too():
    row = {**valid_rows("UP1KYO")[0], "care_level": "01", "plan_author_name": ""}
    parsed = build_careplan("UP1KYO", [row], name_for("UP1KYO"))
    assert parsed.errors == []
    assert sorted(w.code for w in parsed.warnings) == ["CP-CODE", "CP-REQUIRED"]


def test_inferred_prevention_layouts_warn_instead_of_rejecting():
    rows = [{**valid_rows("UPKIHON_SUB2")[0], "course": "09", "record_date": "20250230"}]
    built = build_careplan("UPKIHON_SUB2", rows, name_for("UPKIHON_SUB2"))
    data = built.to_bytes().replace(b"\r\n", b",extra\r\n")
    parsed = read_careplan(data, str(name_for("UPKIHON_SUB2")))
    assert parsed.errors == []
    assert sorted(w.code for w in parsed.warnings) == ["CP-CODE", "CP-COLUMN-COUNT", "CP-DATE"]
    assert parsed.to_bytes() == data


def test_annex_needs_a_total_row_and_type_subtotals():
    detail, _total = valid_rows("UPSIKYU")
    second = {**detail, "service_code": "114846"}
    parsed = build_careplan("UPSIKYU", [detail, second], name_for("UPSIKYU"))
    assert sorted(e.code for e in parsed.errors) == ["CP-SUBTOTAL-MISSING", "CP-TOTAL-ROW-MISSING"]


def test_annex_total_row_carries_the_total_office_number():
    detail, total = valid_rows("UPSIKYU")
    parsed = build_careplan(
        "UPSIKYU", [detail, {**total, "provider_office_no": RECEIVER}], name_for("UPSIKYU")
    )
    assert [(e.code, e.line) for e in parsed.errors] == [("CP-TOTAL-ROW-OFFICE", 2)]


def test_supplement_slots_fill_from_slot_one_and_keys_are_exclusive():
    row = {**valid_rows("UPHOSOKU")[0], "slot3_service_type": "13", "plan_date": "20250401"}
    parsed = build_careplan("UPHOSOKU", [row], name_for("UPHOSOKU"))
    assert sorted((e.code, e.column) for e in parsed.errors) == [
        ("CP-SLOT-GAP", 28),
        ("CP-SUPPLEMENT-KEY", 4),
    ]


def test_unterminated_quote_is_reported_and_kept():
    data = plan_bytes(usage_row(plan_manager_name="A", provider_office_name=""))
    broken = data.replace(b'"A"', b'"A')
    parsed = read_careplan(broken, PLAN)
    assert ("CP-QUOTE", 1, 7) in [(e.code, e.line, e.column) for e in parsed.errors]
    assert parsed.to_bytes() == broken


def test_text_after_a_closing_quote_is_reported():
    data = plan_bytes(usage_row(plan_manager_name="A")).replace(b'"A"', b'"A"B')
    parsed = read_careplan(data, PLAN)
    assert (parsed.errors[0].code, parsed.errors[0].column) == ("CP-QUOTE", 7)


def test_empty_file_is_an_error():
    parsed = read_careplan(b"", PLAN)
    assert codes(parsed) == ["CP-EMPTY-FILE"]
    assert parsed.to_bytes() == b""


def test_record_type_is_guessed_from_a_unique_column_count():
    data = valid_file("UPSIKYU").to_bytes()
    parsed = read_careplan(data)
    assert parsed.record_type == "UPSIKYU"
    assert [w.code for w in parsed.warnings] == ["CP-RECORD-TYPE-GUESSED"]


def test_bad_file_name_is_reported_but_rows_are_still_checked():
    data = plan_bytes(usage_row(insured_no="1"))
    parsed = read_careplan(data, f"UPPLAN_{MONTH}_{SENDER}_43_131000000_11_20250425120000.CSV")
    assert codes(parsed) == ["CP-FILE-NAME-OFFICE", "CP-INSURED-NO"]


def test_edited_records_are_written_with_crlf_and_needed_quotes():
    parsed = read_careplan(plan_bytes(usage_row(), eol="\n"), PLAN)
    cells = parsed.records[0].cells()
    cells[6] = 'a,"b"'
    parsed.records.append(Record.from_cells(cells, [False] * len(cells)))
    out = parsed.to_bytes()
    assert out.endswith(b"\r\n") and b',"a,""b""",' in out.split(b"\n")[-2]
    again = read_careplan(out, PLAN)
    assert again.errors == [] and again.records[1].cells()[6] == 'a,"b"'


def test_raise_for_errors_carries_every_error():
    parsed = read_careplan(plan_bytes(usage_row(insured_no="1"), usage_row(created_on="2")), PLAN)
    with pytest.raises(FileRejected) as caught:
        parsed.raise_for_errors()
    assert [e.code for e in caught.value.errors] == ["CP-INSURED-NO", "CP-DATE"]


def test_v3_file_names_and_version_are_read():
    name = name_for("UPPLAN", v3=True)
    data = build_careplan("UPPLAN", [usage_row(csv_version="202208")], name).to_bytes()
    parsed = read_careplan(data, str(name))
    assert parsed.errors == [] and parsed.name.form == "v3" and parsed.version == "202208"
