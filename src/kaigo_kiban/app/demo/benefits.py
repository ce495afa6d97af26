"""Demo data of 住宅改修費 / 福祉用具購入費: municipal files for a few demo persons, taken in
through the real intake (one person goes over the home-modification allowance)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaigo_kiban.app.demo.municipality import open_as_municipality, send_file
from kaigo_kiban.app.demo.person import demo_insurer, demo_persons
from kaigo_kiban.benefits.formats import EQUIPMENT_PURCHASE, HOME_MODIFICATION
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import Organization


def _fy_day(today: dt.date, days_back: int) -> dt.date:
    """A day ``days_back`` before today but inside the current fiscal year."""
    fy_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    return max(fy_start, today - dt.timedelta(days=days_back))


def seed_demo(
    session: Session, settings: Settings, orgs_by_code: dict[str, Organization], out_dir: Path
) -> dict[str, int]:
    """Usage records for the first demo persons; the first one exceeds the 20万円 allowance."""
    insurer_no = demo_insurer(orgs_by_code)
    persons = demo_persons(session, orgs_by_code, 4)
    today = today_jst()
    ymd = "%Y%m%d"
    home: list[dict[str, str]] = []
    equipment: list[dict[str, str]] = []

    def add_home(i: int, no: str, days: int, cost: int, what: str) -> None:
        used = today - dt.timedelta(days=days)
        grant = open_as_municipality(
            session, settings, insurer_no, persons[i].insured_no, "insurance_card"
        )
        card = cards.find_card_valid_on(session, grant, "insurance_card", used)
        home.append(
            {
                "insurer_no": insurer_no,
                "insured_no": persons[i].insured_no,
                "record_no": no,
                "applied_on": (used - dt.timedelta(days=30)).strftime(ymd),
                "used_on": used.strftime(ymd),
                "decided_on": (used + dt.timedelta(days=14)).strftime(ymd),
                "cost_yen": str(cost),
                "paid_yen": str(cost * 9 // 10),
                "residence_id": f"R{persons[i].insured_no}-1",
                "care_level": (card.care_level if card else None) or "",
                "description": what,
                "history_no": "1",
            }
        )

    def add_equipment(i: int, no: str, day: dt.date, cost: int, item: str, name: str) -> None:
        equipment.append(
            {
                "insurer_no": insurer_no,
                "insured_no": persons[i].insured_no,
                "record_no": no,
                "used_on": day.strftime(ymd),
                "decided_on": (day + dt.timedelta(days=10)).strftime(ymd),
                "cost_yen": str(cost),
                "paid_yen": str(cost * 9 // 10),
                "item_code": item,
                "item_name": name,
                "history_no": "1",
            }
        )

    if len(persons) >= 1:
        add_home(0, "HM-0001", 200, 120_000, "浴室と廊下の手すりの取り付け")
        add_home(0, "HM-0002", 40, 110_000, "玄関の段差の解消")  # 3万円 over: flagged
        add_equipment(0, "EP-0001", _fy_day(today, 60), 35_000, "04", "入浴用いす")
    if len(persons) >= 2:
        add_equipment(1, "EP-0002", _fy_day(today, 90), 28_000, "01", "ポータブルトイレ")
        add_equipment(1, "EP-0003", _fy_day(today, 20), 32_000, "10", "四点杖")
    if len(persons) >= 3:
        add_home(2, "HM-0003", 100, 80_000, "トイレの手すりの取り付け")
    if len(persons) >= 4:
        add_equipment(3, "EP-0004", _fy_day(today, 10), 20_000, "08", "歩行器")
    counts: dict[str, int] = {}
    for layout, rows in ((HOME_MODIFICATION, home), (EQUIPMENT_PURCHASE, equipment)):
        if rows:
            report = send_file(session, settings, out_dir, layout, insurer_no, rows)
            counts[layout.kind] = report.rows
    return counts
