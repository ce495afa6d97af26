"""Care-plan use cases: check, inspect and build files (no database), and the mailbox.

The DB-free functions combine the codec (``formats``), the JSON form and the pure rules with
the service-code master. The mailbox use cases take a session and an actor: an office sends a
file to another office's mailbox (``send_file``), both list their boxes (``list_mailbox``),
open and download a file (``open_transfer``, ``read_content``) and the receiver marks it
imported (``mark_imported``). Every person named in a file goes through the access gate
(data kind ``care_plan``) for each of these; see docs/careplan-format.md "Exchange".
The person's copy (交付) lives in ``careplan.delivery`` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from decimal import Decimal
from typing import Any

from kaigo_kiban.careplan.codec.columns import ACCEPTED_VERSIONS
from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import CareplanFile
from kaigo_kiban.careplan.codec.jsonform import FORMAT, FORMAT_VERSION, json_to_careplan
from kaigo_kiban.careplan.codec.rules import (
    FLAT_PRICE,
    LimitCheck,
    PersonMonthTotal,
    check_limit,
)
from kaigo_kiban.careplan.codec.tokenizer import ENCODING

DEFAULT_VERSION = "202407"


def limit_checks(
    totals: list[PersonMonthTotal],
    care_levels: Mapping[str, str] | str,
    unit_price: Decimal = FLAT_PRICE,
) -> list[LimitCheck]:
    """Limit checks of the person-months whose care level is known.

    ``care_levels`` maps 被保険者番号 to 要介護状態区分, or is one level for everyone.
    """
    out = []
    for total in totals:
        level = care_levels if isinstance(care_levels, str) else care_levels.get(total.insured_no)
        if level is not None:
            out.append(check_limit(total, level, unit_price))
    return out


def inspection(
    parsed: CareplanFile,
    totals: list[PersonMonthTotal],
    checks: list[LimitCheck] | None = None,
) -> dict[str, Any]:
    """A JSON-ready summary of a checked file (the ``inspect --json`` output)."""
    name = parsed.name
    by_person = {(c.insured_no, c.month): c for c in checks or []}
    persons = []
    for total in totals:
        person: dict[str, Any] = {
            "insurer_no": total.insurer_no,
            "insured_no": total.insured_no,
            "month": total.month,
            "total_units": total.total_units,
            "limit_units": total.limit_units,
            "outside_limit_units": total.outside_units,
        }
        check = by_person.get((total.insured_no, total.month))
        if check is not None:
            person["limit"] = {
                "care_level": check.care_level,
                "benefit_limit_units": check.limit_units,
                "excess_units": check.excess_units,
                "excess_yen": check.excess_yen,
            }
        persons.append(person)
    return {
        "standard_version": parsed.version,
        "record_type": parsed.record_type,
        "file_name": parsed.file_name,
        "sender": _party(name, "sender"),
        "receiver": _party(name, "receiver"),
        "target_month": name.target_month if name else None,
        "created_at": _created_at(name),
        "rows": parsed.record_count,
        "persons": persons,
        "errors": [e.to_dict() for e in parsed.errors],
        "warnings": [e.to_dict() for e in parsed.warnings],
    }


def careplan_from_draft(doc: Mapping[str, Any], now: datetime) -> CareplanFile:
    """Build a new file from a JSON document that may leave things out.

    Filled in: ``format``/``format_version``; ``standard_version`` (default 202407) into
    every record without ``csv_version``; ``file.created_at`` from ``now``; ``style`` (CRLF,
    free text quoted). Missing fields are empty. Characters CP932 stores as another character
    are replaced by that character (〜 → ～). The result is read back and validated.
    """
    version = doc.get("standard_version") or DEFAULT_VERSION
    records = [
        {**_cp932_forms(r), "csv_version": r.get("csv_version") or version}
        if isinstance(r, dict)
        else r
        for r in doc.get("records") or []
    ]
    file_meta = doc.get("file")
    if isinstance(file_meta, dict) and not file_meta.get("created_at"):
        file_meta = {**file_meta, "created_at": now.strftime("%Y%m%d%H%M%S")}
    full = {
        **doc,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "standard_version": version if version in ACCEPTED_VERSIONS else None,
        "file": file_meta,
        "style": {"line_ending": "CRLF", "quoting": "text", "final_line_ending": True},
        "records": records,
    }
    return json_to_careplan(full)


def _cp932_forms(record: Mapping[str, Any]) -> dict[str, Any]:
    """Text values in the form CP932 reads back (〜 U+301C → ～ U+FF5E and the like)."""
    out = {}
    for key, value in record.items():
        if isinstance(value, str):
            # characters CP932 cannot hold at all are left for the encoder to report
            with suppress(UnicodeEncodeError):
                value = value.encode(ENCODING).decode(ENCODING)
        out[key] = value
    return out


def _party(name: FileName | None, side: str) -> dict[str, str | None] | None:
    if name is None:
        return None
    if side == "sender":
        return {"office_no": name.sender_office_no, "service_type": name.sender_service_type}
    return {"office_no": name.receiver_office_no, "service_type": name.receiver_service_type}


def _created_at(name: FileName | None) -> str | None:
    if name is None:
        return None
    try:
        return name.created_at_datetime.isoformat()
    except ValueError:
        return None
