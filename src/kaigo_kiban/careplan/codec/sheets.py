"""A care-plan file as readable sheets laid out like the paper forms (pure; no I/O).

- 第6表 (UPPLAN/UPJSK): one row per service (time, service, office) with the days of the
  month as columns (the count on each day), the row's count and units, and the person's total.
- 第1表: labelled sections; 第2表: the needs/goals/services table; 第3表: a weekly grid.
- Every other record type: a table of its non-empty columns with their Japanese names.

Values are shown readably: dates ``2025/04/25``, months ``2025年5月``, times ``09:00``, code
values with their meaning. Sheets are grouped per person (保険者番号 + 被保険者番号).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kaigo_kiban.careplan.codec.columns import Kind, Layout
from kaigo_kiban.careplan.codec.formats import CareplanFile
from kaigo_kiban.careplan.codec.rules import ServiceCodeMaster

WEEKDAYS = "月火水木金土日"


@dataclass
class Section:
    """A titled block: label/value pairs, or one free text."""

    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class UsageRow:
    """One service line of the 第6表: counts per day of the month."""

    time: str
    service_code: str
    service_name: str
    office: str
    days: list[int]
    count: int = 0
    units: int = 0


@dataclass
class UsageSheet:
    month: str
    days: list[tuple[int, str]]  # (day, weekday)
    rows: list[UsageRow]
    total_units: int


@dataclass
class PersonSheet:
    insurer_no: str
    insured_no: str
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    usage: UsageSheet | None = None


def show(layout: Layout, name: str, value: str) -> str:
    """A cell value for people: dates, months and times formatted, codes with their meaning."""
    if value == "":
        return ""
    col = layout.column(name)
    if col.codes and value in col.codes:
        return f"{value} {col.codes[value]}"
    if value in col.specials:
        return "指定なし" if value == "9999" else value
    if col.kind is Kind.DATE and len(value) == 8 and value.isdigit():
        return f"{value[:4]}/{value[4:6]}/{value[6:]}"
    if col.kind is Kind.MONTH and len(value) == 6 and value.isdigit():
        return f"{value[:4]}年{int(value[4:])}月"
    if col.kind is Kind.TIME and len(value) == 4 and value.isdigit():
        return f"{value[:2]}:{value[2:]}"
    return value


def build_sheets(
    parsed: CareplanFile,
    master: ServiceCodeMaster,
    *,
    person: tuple[str, str] | None = None,
) -> list[PersonSheet]:
    """The file's sheets per person (only ``person``'s rows when given)."""
    layout = parsed.layout
    if layout is None:
        return []
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for _record, fields in parsed.rows():
        key = (fields.get("insurer_no", ""), fields.get("insured_no", ""))
        if person is None or key == person:
            groups.setdefault(key, []).append(fields)
    builder = _BUILDERS.get(layout.record_type, _generic)
    sheets = []
    for (insurer_no, insured_no), rows in groups.items():
        sheet = PersonSheet(insurer_no, insured_no)
        builder(sheet, layout, rows, master)
        sheets.append(sheet)
    return sheets


def _fields(layout: Layout, row: Mapping[str, str], names: Iterable[str]) -> list[tuple[str, str]]:
    return [(layout.column(n).name_ja, show(layout, n, row.get(n, ""))) for n in names]


def _plan1(sheet: PersonSheet, layout: Layout, rows: list[dict[str, str]], _m: object) -> None:
    for row in rows:
        sheet.sections += [
            Section("計画", _fields(layout, row, ("created_on", "plan_date", "first_plan_date"))),
            Section("計画書区分・認定", _fields(layout, row, _PLAN1_CERT)),
            Section("利用者", _fields(layout, row, ("postal_code", "address1", "address2"))),
            Section("居宅サービス計画作成者", _fields(layout, row, _PLAN1_AUTHOR)),
        ]
        for name in ("assessment_result", "panel_opinion", "overall_policy"):
            sheet.sections.append(Section(layout.column(name).name_ja, text=row.get(name, "")))
        reason = _fields(layout, row, ("living_support_reason", "other_reason"))
        sheet.sections.append(Section("生活援助中心型の算定理由", reason))


_PLAN1_CERT = (
    "plan_kind",
    "certification_status",
    "certified_on",
    "cert_valid_from",
    "cert_valid_to",
    "care_level",
)
_PLAN1_AUTHOR = (
    "plan_author_name",
    "care_mgmt_office_name",
    "care_mgmt_office_no",
    "care_mgmt_postal_code",
    "care_mgmt_address1",
    "care_mgmt_address2",
)
_PLAN2_COLUMNS = (
    ("issue", "生活全般の解決すべき課題（ニーズ）"),
    ("long_term_goal", "長期目標"),
    ("long_term_period", "（期間）"),
    ("short_term_goal", "短期目標"),
    ("short_term_period", "（期間）"),
    ("service_content", "サービス内容"),
    ("insurance_flag", "※1"),
    ("service_kind", "サービス種別"),
    ("provider_office_name", "※2 事業所"),
    ("frequency", "頻度"),
    ("period", "期間"),
)


def _number(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _plan2(sheet: PersonSheet, layout: Layout, rows: list[dict[str, str]], _m: object) -> None:
    first = rows[0]
    sheet.sections.append(Section("計画", _fields(layout, first, ("created_on", "plan_date"))))
    ordered = sorted(
        rows,
        key=lambda r: tuple(_number(r.get(n, "")) for n in ("issue_no", "goal_no", "support_no")),
    )
    body = [[show(layout, name, r.get(name, "")) for name, _ in _PLAN2_COLUMNS] for r in ordered]
    headers = [label for _, label in _PLAN2_COLUMNS]
    sheet.tables.append(Table("居宅サービス計画書（第2表）", headers, body))


def _plan3(sheet: PersonSheet, layout: Layout, rows: list[dict[str, str]], _m: object) -> None:
    sheet.sections.append(Section("計画", _fields(layout, rows[0], ("created_on", "plan_date"))))
    grid: dict[str, list[list[str]]] = {}
    activities = []
    others = []
    for row in rows:
        day = row.get("weekday", "")
        if day.isdigit() and 1 <= int(day) <= 7 and row.get("care_service"):
            span = _span(layout, row, "start_time", "end_time")
            grid.setdefault(span, [[] for _ in WEEKDAYS])[int(day) - 1].append(row["care_service"])
        if row.get("daily_activity"):
            span = _span(layout, row, "activity_start_time", "activity_end_time")
            activities.append([span, row["daily_activity"]])
        if row.get("non_weekly_service"):
            others.append(row["non_weekly_service"])
    week = [[span, *("、".join(c) for c in cells)] for span, cells in sorted(grid.items())]
    sheet.tables.append(Table("週間サービス計画表", ["時間", *WEEKDAYS], week))
    if activities:
        sheet.tables.append(Table("主な日常生活上の活動", ["時間", "活動"], sorted(activities)))
    if others:
        sheet.tables.append(Table("週単位以外のサービス", ["内容"], [[o] for o in others]))


def _span(layout: Layout, row: Mapping[str, str], start: str, end: str) -> str:
    a, b = show(layout, start, row.get(start, "")), show(layout, end, row.get(end, ""))
    return f"{a}〜{b}" if a or b else "—"


def _usage(
    sheet: PersonSheet, layout: Layout, rows: list[dict[str, str]], master: ServiceCodeMaster
) -> None:
    first = rows[0]
    month = first.get("target_month", "")
    head = ("created_on", "target_month", "plan_office_no", "plan_manager_name")
    sheet.sections.append(Section("サービス利用票", _fields(layout, first, head)))
    if not (len(month) == 6 and month.isdigit() and 1 <= int(month[4:]) <= 12):
        _generic(sheet, layout, rows, master)
        return
    year, mon = int(month[:4]), int(month[4:])
    n_days = calendar.monthrange(year, mon)[1]
    days = [(d, WEEKDAYS[calendar.weekday(year, mon, d)]) for d in range(1, n_days + 1)]
    lines: dict[tuple[str, str, str, str], UsageRow] = {}
    for row in rows:
        code = row.get("service_code", "")
        office = row.get("provider_office_name") or row.get("provider_office_no", "")
        span = _span(layout, row, "start_time", "end_time")
        key = (span, code, row.get("provider_office_no", ""), row.get("satellite_branch", ""))
        entry = master.get(code, month)
        line = lines.get(key)
        if line is None:
            name = entry.name if entry is not None else "（サービスコード表にないコード）"
            line = lines[key] = UsageRow(span, code, name, office, [0] * n_days)
        count = _number(row.get("service_count", "")) or 1
        each = row.get("units", "")
        units = (_number(each) if each.isdigit() else (entry.units if entry else 0)) * count
        date = row.get("service_date", "")
        if date.startswith(month) and date[6:].isdigit() and 1 <= int(date[6:]) <= n_days:
            line.days[int(date[6:]) - 1] += count
        line.count += count
        line.units += units
    ordered = sorted(lines.values(), key=lambda r: (r.time, r.service_code, r.office))
    total = sum(r.units for r in ordered)
    sheet.usage = UsageSheet(month, days, ordered, total)


def _generic(sheet: PersonSheet, layout: Layout, rows: list[dict[str, str]], _m: object) -> None:
    used = [
        c for c in layout.columns if c.name != "csv_version" and any(r.get(c.name) for r in rows)
    ]
    body = [[show(layout, c.name, r.get(c.name, "")) for c in used] for r in rows]
    sheet.tables.append(Table(layout.name_ja, [c.name_ja for c in used], body))


_BUILDERS = {
    "UP1KYO": _plan1,
    "UP2KYO": _plan2,
    "UP3KYO": _plan3,
    "UPPLAN": _usage,
    "UPJSK": _usage,
}
