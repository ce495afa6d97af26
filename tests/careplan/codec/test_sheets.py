"""Files laid out like the paper forms (pure): the 第6表 day grid, the 第2表 and 第3表 tables."""

from __future__ import annotations

from kaigo_kiban.careplan.codec.formats import read_careplan
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.codec.sheets import build_sheets
from tests.careplan.exchange_world import (
    HEAVY,
    LIGHT,
    P1,
    P2,
    build_file,
    plan2_row,
    usage_rows,
)
from tests.factories import INSURER_NO


def _sheets(record_type: str, rows: list[dict[str, str]], **kw):  # type: ignore[no-untyped-def]
    name, data = build_file(record_type, rows, **kw)
    return build_sheets(read_careplan(data, name), default_service_codes())


def test_usage_sheet_has_one_row_per_service_with_the_days_of_the_month_as_columns():
    sheets = _sheets("UPPLAN", usage_rows(P1, LIGHT) + usage_rows(P2, HEAVY))
    assert [s.insured_no for s in sheets] == [P1, P2]
    light = sheets[0].usage
    assert light is not None and light.month == "202505"
    assert light.days[0] == (1, "木") and len(light.days) == 31  # 2025-05-01 was a Thursday
    [row] = light.rows
    assert (row.time, row.service_code, row.service_name) == (
        "10:00〜10:45",
        "111211",
        "身体介護２",
    )
    assert row.days == [1] * 9 + [0] * 22 and (row.count, row.units) == (9, 9 * 387)
    heavy = sheets[1].usage
    assert heavy is not None and [r.time for r in heavy.rows] == [
        "08:00〜09:00",
        "12:00〜13:00",
        "18:00〜19:00",
    ]
    assert heavy.total_units == 93 * 567


def test_one_persons_sheet_only_when_asked():
    name, data = build_file("UPPLAN", usage_rows(P1) + usage_rows(P2))
    sheets = build_sheets(
        read_careplan(data, name), default_service_codes(), person=(INSURER_NO, P2)
    )
    assert [s.insured_no for s in sheets] == [P2]


def test_plan_table_2_is_ordered_by_its_numbers_and_table_3_is_a_weekly_grid():
    later = plan2_row(P1, issue_no="2", issue="外出の機会が少ない", service_content="通所介護")
    [sheet] = _sheets("UP2KYO", [later, plan2_row(P1)], month=None)
    [table] = sheet.tables
    assert [r[0] for r in table.rows] == ["入浴が一人では難しい", "外出の機会が少ない"]
    assert table.rows[0][6] == "Y 保険対象"
    base = {"csv_version": "202407", "insurer_no": INSURER_NO, "insured_no": P1}
    base |= {"created_on": "20250401", "plan_date": "20250401"}
    rows = [
        {
            **base,
            "care_service": "訪問介護",
            "weekday": "1",
            "start_time": "1000",
            "end_time": "1045",
        },
        {
            **base,
            "care_service": "訪問介護",
            "weekday": "4",
            "start_time": "1000",
            "end_time": "1045",
        },
        {**base, "non_weekly_service": "福祉用具貸与（車いす）"},
    ]
    [sheet] = _sheets("UP3KYO", rows, month=None)
    week, others = sheet.tables
    assert week.headers == ["時間", "月", "火", "水", "木", "金", "土", "日"]
    assert week.rows == [["10:00〜10:45", "訪問介護", "", "", "訪問介護", "", "", ""]]
    assert others.rows == [["福祉用具貸与（車いす）"]]
