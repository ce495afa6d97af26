"""The DB-free inspection of ``careplan.service``: a checked file with its limit checks."""

from __future__ import annotations

from kaigo_kiban.careplan.codec.formats import build_careplan
from kaigo_kiban.careplan.codec.master import default_service_codes
from kaigo_kiban.careplan.codec.rules import unit_price
from kaigo_kiban.careplan.codec.validation import check_careplan
from kaigo_kiban.careplan.service import inspection, limit_checks
from tests.careplan.careplan_samples import name_for, usage_row


def test_checked_plan_file_flags_unknown_codes_and_over_limit_people():
    rows = [
        usage_row(service_date=f"202505{day:02d}", units="1200", service_code="152141")
        for day in range(1, 16)
    ] + [usage_row(service_code="119999")]
    data = build_careplan("UPPLAN", rows, name_for("UPPLAN")).to_bytes()
    parsed, totals = check_careplan(data, str(name_for("UPPLAN")), default_service_codes())

    assert [(e.code, e.line) for e in parsed.errors] == [("CP-SERVICE-CODE-UNKNOWN", 16)]
    [total] = totals
    assert total.limit_units == 18000
    [check] = limit_checks(totals, {"0000000001": "21"}, unit_price("15", "1"))
    assert (check.excess_units, check.excess_yen) == (1235, 13461)  # 1235 x 10.90
    summary = inspection(parsed, totals, [check])
    assert summary["persons"][0]["limit"]["excess_units"] == 1235
