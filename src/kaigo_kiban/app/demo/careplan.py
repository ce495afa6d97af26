"""Demo care plans: the demo's care-management office sends this month's 第6表 (UPPLAN) to a
home-help office through ``careplan.mailbox.send_file`` and the gate, like a real send."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo.municipality import open_as_municipality
from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import build_careplan
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.limits import care_levels_in_month
from kaigo_kiban.careplan.mailbox import send_file
from kaigo_kiban.careplan.service import DEFAULT_VERSION
from kaigo_kiban.core.clock import JST, today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import Organization

DEMO_CARE_MGMT_OFFICE = "1470000011"
DEMO_HOME_HELP_OFFICE = "1470000029"
#: (service code, start, end, weekdays 0=Mon…6=Sun) of the two demo plans: one within the
#: limit (身体介護２ twice a week), one far over it (身体介護３ three times a day).
DEMO_WITHIN = (("111211", "1000", "1045", (0, 3)),)
DEMO_OVER = tuple(
    ("111311", start, end, tuple(range(7)))
    for start, end in (("0800", "0900"), ("1200", "1300"), ("1800", "1900"))
)


def seed_demo(
    session: Session, settings: Settings, orgs_by_code: Mapping[str, Organization]
) -> dict[str, int]:
    """Demo: the care-management office 1470000011 sends this month's 第6表 (UPPLAN) for two
    of its persons also assigned to the home-help office 1470000029, one of them over the
    limit, to that office (type 11), through ``send_file`` and the gate like a real send."""
    cm_org = orgs_by_code[DEMO_CARE_MGMT_OFFICE]
    helper_org = orgs_by_code[DEMO_HOME_HELP_OFFICE]
    actor = _demo_actor(session, cm_org)
    month = today_jst().strftime("%Y%m")

    shared = sorted(
        set(access.open_assignments(session, cm_org.id))
        & set(access.open_assignments(session, helper_org.id))
    )
    certified = [
        p
        for p in shared
        if care_levels_in_month(
            session, open_as_municipality(session, settings, *p, "insurance_card"), month
        )
    ] or shared
    if len(certified) < 2:
        return {"careplan_transfers": 0}
    rows = _demo_rows(actor, helper_org, certified[0], month, DEMO_WITHIN)
    rows += _demo_rows(actor, helper_org, certified[1], month, DEMO_OVER)
    name = FileName(
        record_type="UPPLAN",
        sender_office_no=DEMO_CARE_MGMT_OFFICE,
        receiver_office_no=DEMO_HOME_HELP_OFFICE,
        created_at=datetime.now(JST).strftime("%Y%m%d%H%M%S"),
        target_month=month,
        sender_service_type="43",
        receiver_service_type="11",
    )
    built = build_careplan("UPPLAN", rows, name)
    result = send_file(session, settings, actor, built.to_bytes(), str(name))
    return {"careplan_transfers": 1, "careplan_over_limit": len(result.over_limit)}


def _demo_actor(session: Session, org: Organization) -> Actor:
    staff = sorted(
        accounts.list_staff(session, org.id), key=lambda a: (a.job_type != "care_manager", a.id)
    )
    account = staff[0] if staff else None
    return Actor(
        kind="staff",
        display_name=account.display_name if account else org.name,
        account_id=account.id if account else None,
        **registry.organization_actor_fields(session, org),
        job_type=account.job_type if account else "care_manager",
        request_id="demo",
    )


def _demo_rows(
    actor: Actor,
    provider: Organization,
    person: tuple[str, str],
    month: str,
    visits: tuple[tuple[str, str, str, tuple[int, ...]], ...],
) -> list[dict[str, str]]:
    master = default_service_codes()
    year, mon = int(month[:4]), int(month[4:])
    rows = []
    for day in range(1, calendar.monthrange(year, mon)[1] + 1):
        for code, start, end, weekdays in visits:
            if calendar.weekday(year, mon, day) not in weekdays:
                continue
            entry = master.get(code, month)
            rows.append(
                {
                    "csv_version": DEFAULT_VERSION,
                    "insurer_no": person[0],
                    "insured_no": person[1],
                    "created_on": today_jst().strftime("%Y%m%d"),
                    "target_month": month,
                    "plan_office_no": actor.organization_code,
                    "plan_manager_name": actor.display_name,
                    "units": str(entry.units) if entry else "",
                    "service_date": f"{month}{day:02d}",
                    "start_time": start,
                    "end_time": end,
                    "service_count": "1",
                    "service_code": code,
                    "provider_office_no": provider.code,
                    "provider_office_name": provider.name,
                    "over_30_days": "0",
                    "updater_office_no": actor.organization_code,
                }
            )
    return rows
