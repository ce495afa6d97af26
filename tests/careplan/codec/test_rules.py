"""Benefit limits, unit totals, unit prices, amounts and the service-code master."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest

from kaigo_kiban.careplan.codec.master import (
    HEADER,
    PACKAGED,
    default_service_codes,
    parse_service_codes,
)
from kaigo_kiban.careplan.codec.rules import (
    PersonMonthTotal,
    ServiceCode,
    ServiceCodeMaster,
    UsageLine,
    amounts,
    benefit_limit,
    check_limit,
    is_outside_limit,
    total_units,
    unit_price,
)
from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.errors import FileRejected, InvalidInput

MASTER = ServiceCodeMaster(
    [
        ServiceCode("114845", "身体介護０１", 163),
        ServiceCode("152141", "通所介護１１", 370),
        ServiceCode("116275", "訪問介護処遇改善加算Ⅰ", 0),
        ServiceCode("311111", "医師居宅療養管理指導Ⅰ１", 515),
    ]
)


def line(n: int, code: str, units: int | None, count: int = 1, insured: str = "0000000001"):
    return UsageLine(n, "131016", insured, "202505", code, units, count)


def test_limit_table_matches_the_reference():
    assert BENEFIT_LIMIT_UNITS == {
        "12": 5032,
        "13": 10531,
        "21": 16765,
        "22": 19705,
        "23": 27048,
        "24": 30938,
        "25": 36217,
    }


def test_totals_are_units_times_count_per_person_month():
    totals, problems = total_units(
        [
            line(1, "114845", 163, 2),
            line(2, "152141", None),
            line(3, "114845", 150, insured="0000000002"),
        ],
        MASTER,
    )
    assert problems == []
    assert [(t.insured_no, t.total_units, t.limit_units, t.first_line) for t in totals] == [
        ("0000000001", 326 + 370, 326 + 370, 1),
        ("0000000002", 150, 150, 3),
    ]
    assert totals[0].by_type == {"11": 326, "15": 370}


def test_outside_limit_types_and_additions_are_excluded_from_the_limit():
    totals, _ = total_units(
        [line(1, "114845", 163), line(2, "311111", 515), line(3, "116275", 40)], MASTER
    )
    [total] = totals
    assert (total.total_units, total.limit_units, total.outside_units) == (718, 163, 555)
    assert is_outside_limit("331111") and not is_outside_limit("114845")


def test_unknown_service_code_is_an_error_and_is_not_counted():
    totals, problems = total_units([line(1, "114845", 163), line(7, "119999", 500)], MASTER)
    assert totals[0].total_units == 163
    [problem] = problems
    assert (problem.code, problem.line, problem.column, problem.value) == (
        "CP-SERVICE-CODE-UNKNOWN",
        7,
        15,
        "119999",
    )
    assert problem.extra == {}


def test_code_of_a_type_the_master_does_not_cover_is_only_a_warning():
    totals, problems = total_units([line(1, "781111", 600)], MASTER)
    assert totals[0].limit_units == 600
    assert [(p.code, p.extra) for p in problems] == [
        ("CP-SERVICE-TYPE-NOT-IN-MASTER", {"severity": "warning"})
    ]


def test_over_limit_plan_reports_excess_units_and_yen():
    total = PersonMonthTotal("131016", "0000000001", "202505", 17000, 17000, first_line=4)
    result = check_limit(total, "21", unit_price("11", "1"))
    assert (result.limit_units, result.excess_units, result.excess_yen) == (16765, 235, 2679)
    error = result.error("f.CSV")
    assert error.code == "CP-OVER-LIMIT" and error.line == 4
    assert error.extra == {"excess_units": 235, "excess_yen": 2679}
    assert "235単位" in error.message and "2679円" in error.message


def test_plan_within_the_limit_has_no_error():
    total = PersonMonthTotal("131016", "0000000001", "202505", 16765, 16765)
    result = check_limit(total, "21")
    assert not result.over and result.error() is None


def test_mid_month_level_change_uses_the_higher_limit():
    assert benefit_limit(["21", "23"]) == 27048
    total = PersonMonthTotal("131016", "0000000001", "202505", 20000, 20000)
    assert check_limit(total, ["21", "23"]).excess_units == 0


@pytest.mark.parametrize("level", ["01", "11", "", "26"])
def test_care_level_without_a_limit_is_refused(level):
    with pytest.raises(InvalidInput) as caught:
        benefit_limit(level)
    assert caught.value.code == "CP-CARE-LEVEL"


@pytest.mark.parametrize(
    ("service_type", "grade", "price"),
    [
        ("11", "1", "11.40"),  # 70 %
        ("11", "2", "11.12"),
        ("11", "7", "10.21"),
        ("16", "1", "11.10"),  # 55 %
        ("21", "6", "10.33"),
        ("15", "1", "10.90"),  # 45 %
        ("15", "3", "10.68"),  # 10.675 rounds half up
        ("15", "7", "10.14"),  # 10.135 rounds half up
        ("11", "other", "10.00"),
        ("31", "1", "10.00"),  # flat
        ("17", "1", "10.00"),  # flat
    ],
)
def test_unit_price_by_area_grade_and_service_type(service_type, grade, price):
    result = unit_price(service_type, grade)
    assert isinstance(result, Decimal) and result == Decimal(price)
    assert str(result) == price


def test_unknown_area_grade_or_service_type_is_refused():
    with pytest.raises(InvalidInput):
        unit_price("11", "8")
    with pytest.raises(InvalidInput):
        unit_price("99", "1")


def test_amounts_floor_cost_and_claim():
    result = amounts(1000, Decimal("11.12"), 90)
    assert (result.total_cost, result.claim, result.copay) == (11120, 10008, 1112)
    odd = amounts(163, Decimal("10.14"), 70)  # 1652.82 -> 1652; 1156.4 -> 1156
    assert (odd.total_cost, odd.claim, odd.copay) == (1652, 1156, 496)
    with pytest.raises(InvalidInput):
        amounts(1, Decimal("10"), 101)


def test_packaged_master_loads_with_known_codes():
    master = default_service_codes()
    assert len(master) == 15276
    assert master.get("114845", "202505").units == 163
    assert master.get("432111").units == 1086
    assert master.get("331111").service_type == "33"
    assert master.get("114845", "202404") is None  # R6 codes apply from 2024-06


def test_packaged_master_has_the_category_33_name_corrected():
    from importlib import resources

    raw = resources.files("kaigo_kiban.careplan.codec").joinpath("data", PACKAGED).read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    rows_33 = [r for r in text.splitlines() if r.startswith("介護,33,")]
    assert rows_33 and all(r.startswith("介護,33,特定施設入居者生活介護,33") for r in rows_33)


def test_a_future_table_with_the_same_header_loads_plain_or_gzipped():
    body = "\n".join(
        [
            ",".join(HEADER),
            "介護,78,地域密着型通所介護,781111,地域通所介護１１,416,1回につき,基本,2027-04-01,,,",
            "介護,11,訪問介護,114845,身体介護０１,170,1回につき,基本,2027-04-01,,,",
        ]
    )
    for data in ("\ufeff" + body).encode("utf-8"), gzip.compress(body.encode("utf-8")):
        master = parse_service_codes(data)
        assert master.get("781111", "202704").units == 416
        assert master.get("781111", "202703") is None


def test_master_with_another_header_or_bad_rows_is_refused_with_every_problem():
    with pytest.raises(FileRejected) as caught:
        parse_service_codes(b"code,name\n114845,x\n")
    assert [e.code for e in caught.value.errors] == ["CP-MASTER-HEADER"]
    bad = (
        ",".join(HEADER) + "\n介護,11,訪問介護,11484,x,1,,,,,,\n介護,11,訪問介護,114845,x,a,,,,,,\n"
    )
    with pytest.raises(FileRejected) as caught:
        parse_service_codes(bad.encode())
    assert [(e.code, e.line) for e in caught.value.errors] == [
        ("CP-MASTER-CODE", 2),
        ("CP-MASTER-UNITS", 3),
    ]
