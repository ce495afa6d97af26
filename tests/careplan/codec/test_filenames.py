"""File-name grammar of the care-plan standard: parse, build, reject."""

from __future__ import annotations

import pytest

from kaigo_kiban.careplan.codec.filenames import (
    FileName,
    build_file_name,
    check_file_name,
    parse_file_name,
)
from kaigo_kiban.core.errors import FileRejected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "UPPLAN_202505_1310000001_43_1310000002_11_20250425120000.CSV",
            FileName("UPPLAN", "1310000001", "1310000002", "20250425120000", "202505", "43", "11"),
        ),
        (
            "UP1KYO_1310000001_43_1310000002_11_20250425120000.CSV",
            FileName("UP1KYO", "1310000001", "1310000002", "20250425120000", None, "43", "11"),
        ),
        (
            "UPPLAN_201912_0300000100_0300000005_20191025200201.CSV",
            FileName("UPPLAN", "0300000100", "0300000005", "20191025200201", "201912"),
        ),
        (
            "UPHOSOKU_000000_1310000001_43_1310000002_11_20250425120000.CSV",
            FileName(
                "UPHOSOKU", "1310000001", "1310000002", "20250425120000", "000000", "43", "11"
            ),
        ),
        (
            "UPKIHON_SUB1_1310000001_46_1310000002_13_20250425120000.CSV",
            FileName(
                "UPKIHON_SUB1", "1310000001", "1310000002", "20250425120000", None, "46", "13"
            ),
        ),
        (
            "DLTJSK_202505_1310000002_2A_1310000001_43_20250425120000.CSV",
            FileName("DLTJSK", "1310000002", "1310000001", "20250425120000", "202505", "2A", "43"),
        ),
    ],
)
def test_good_names_parse_and_build_back_identically(name, expected):
    parsed = parse_file_name(name)
    assert parsed == expected
    assert str(parsed) == name == build_file_name(parsed)


def test_v3_and_v4_forms_are_told_apart():
    v3 = parse_file_name("UPJSK_201912_0300000005_0300000100_20191025200201.CSV")
    v4 = parse_file_name("UPJSK_201912_0300000005_11_0300000100_43_20191025200201.CSV")
    assert (v3.form, v4.form) == ("v3", "v4")
    assert v3.sender_service_type is None and v4.receiver_service_type == "43"


def test_a_path_and_a_lower_case_extension_are_accepted_and_kept():
    parsed = parse_file_name("/tmp/in/UP2KYO_1310000001_43_1310000002_11_20250425120000.csv")
    assert parsed.extension == ".csv"
    assert str(parsed) == "UP2KYO_1310000001_43_1310000002_11_20250425120000.csv"


def test_created_at_is_a_datetime():
    parsed = parse_file_name("UP3KYO_1310000001_43_1310000002_11_20250425235959.CSV")
    assert parsed.created_at_datetime.isoformat() == "2025-04-25T23:59:59"


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        (
            "UPPLAN_202505_1310000001_43_1310000002_11_20250425120000.TXT",
            ["CP-FILE-NAME-EXTENSION"],
        ),
        ("UPXXX_202505_1310000001_43_1310000002_11_20250425120000.CSV", ["CP-FILE-NAME-PREFIX"]),
        ("UPPLAN_202513_1310000001_43_1310000002_11_20250425120000.CSV", ["CP-FILE-NAME-MONTH"]),
        ("UPPLAN_000000_1310000001_43_1310000002_11_20250425120000.CSV", ["CP-FILE-NAME-MONTH"]),
        ("UPPLAN_202505_131000000_43_1310000002_11_20250425120000.CSV", ["CP-FILE-NAME-OFFICE"]),
        (
            "UPPLAN_202505_1310000001_4_1310000002_11_20250425120000.CSV",
            ["CP-FILE-NAME-SERVICE-TYPE"],
        ),
        (
            "UPPLAN_202505_1310000001_43_1310000002_11_20250230120000.CSV",
            ["CP-FILE-NAME-TIMESTAMP"],
        ),
        ("UPPLAN_202505_1310000001_43_1310000002_20250425120000.CSV", ["CP-FILE-NAME-SEGMENTS"]),
        (
            "UPPLAN_1310000001_43_1310000002_11_20250425120000.CSV",
            ["CP-FILE-NAME-MONTH", "CP-FILE-NAME-SEGMENTS"],
        ),
        ("UP1KYO_202505_1310000001_43_1310000002_11_20250425120000.CSV", ["CP-FILE-NAME-SEGMENTS"]),
        (
            "UPPLAN_2025_131000000X_43_131000000_11_2025042512.CSV",
            [
                "CP-FILE-NAME-MONTH",
                "CP-FILE-NAME-OFFICE",
                "CP-FILE-NAME-OFFICE",
                "CP-FILE-NAME-TIMESTAMP",
            ],
        ),
    ],
)
def test_bad_names_report_every_problem(name, codes):
    _, errors = check_file_name(name)
    assert [e.code for e in errors] == codes
    assert all(e.file == name and e.message for e in errors)
    with pytest.raises(FileRejected):
        parse_file_name(name)


def test_building_an_invalid_name_is_refused():
    bad = FileName("UPPLAN", "131000000", "1310000002", "20250425120000", "202505", "43", "11")
    with pytest.raises(FileRejected) as caught:
        build_file_name(bad)
    assert [e.code for e in caught.value.errors] == ["CP-FILE-NAME-OFFICE"]


def test_building_a_month_for_a_prefix_without_one_is_refused():
    bad = FileName("UP1KYO", "1310000001", "1310000002", "20250425120000", "202505", "43", "11")
    with pytest.raises(FileRejected):
        build_file_name(bad)
