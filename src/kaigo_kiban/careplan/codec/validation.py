"""A care-plan file checked with the service-code master (codec + master, no database).

Used by the CLI, the DB-free inspection in ``service`` and the mailbox (``mailbox.send_file``);
``service`` re-exports ``check_careplan``.
"""

from __future__ import annotations

from kaigo_kiban.careplan.codec.checks import is_warning
from kaigo_kiban.careplan.codec.formats import CareplanFile, read_careplan
from kaigo_kiban.careplan.codec.rules import (
    PersonMonthTotal,
    ServiceCodeMaster,
    UsageLine,
    total_units,
)

#: 第6表 record types (予定 and 実績), whose units are totalled per person-month.
USAGE_TYPES = frozenset({"UPPLAN", "UPJSK"})


def check_careplan(
    data: bytes,
    file_name: str | None,
    master: ServiceCodeMaster,
    *,
    record_type: str | None = None,
) -> tuple[CareplanFile, list[PersonMonthTotal]]:
    """Read and validate a file; for 第6表 files also check every service code and total the
    units per person-month. Master problems are added to the file's errors and warnings."""
    parsed = read_careplan(data, file_name, record_type=record_type)
    totals: list[PersonMonthTotal] = []
    if parsed.record_type in USAGE_TYPES and parsed.layout is not None:
        width = parsed.layout.width
        lines = [
            UsageLine.from_fields(record.line, fields)
            for record, fields in parsed.rows()
            if len(fields) == width
        ]
        totals, problems = total_units(lines, master, file=parsed.file_name)
        for problem in problems:
            (parsed.warnings if is_warning(problem) else parsed.errors).append(problem)
    return parsed, totals
