"""Factories: build test data through the same paths the product uses (files → ingest)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kaigo_kiban.cards.formats import COPAY_CARD, COST_CAP_CERT, INSURANCE_CARD, REDUCTION_CERT
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import Layout, format_csv_line, header_line
from kaigo_kiban.ingest.service import FileReport, IngestRejected, ingest_file
from kaigo_kiban.registry import service as registry

INSURER_NO = "131016"
LAYOUTS = {
    layout.kind: layout for layout in (INSURANCE_CARD, COPAY_CARD, COST_CAP_CERT, REDUCTION_CERT)
}
_seq = itertools.count(1)


def ymd(day: dt.date | str | None) -> str:
    if day is None:
        return ""
    if isinstance(day, str):
        return day
    return day.strftime("%Y%m%d")


def insurance_card_row(insured_no: str = "0000000001", **overrides: Any) -> dict[str, str]:
    row = {
        "change_date": "20240401",
        "change_kind": "1",
        "change_reason": "01",
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "name_kana": "ヤマダ タロウ",
        "birth_date": "19450315",
        "sex": "1",
        "qualified_on": "20100315",
        "care_level": "21",
        "cert_valid_from": "20240401",
        "cert_valid_to": "20250331",
        "plan_kind": "1",
        "plan_office_no": "1310100001",
        "plan_valid_from": "20240401",
        "benefit_limit_units": "16765",
        "history_no": "1",
        "valid_from": "20240401",
        "issued_on": "20240401",
        "name_kanji": "山田 太郎",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田一丁目1-1",
    }
    row.update({k: ymd(v) if isinstance(v, dt.date) else str(v) for k, v in overrides.items()})
    return row


def copay_card_row(insured_no: str = "0000000001", **overrides: Any) -> dict[str, str]:
    row = {
        "insurer_no": INSURER_NO,
        "insured_no": insured_no,
        "ratio": "1",
        "history_no": "1",
        "valid_from": "20240801",
        "valid_to": "20250731",
        "issued_on": "20240715",
    }
    row.update({k: ymd(v) if isinstance(v, dt.date) else str(v) for k, v in overrides.items()})
    return row


def card_file_text(layout: Layout, rows: list[dict[str, str]], *, header: bool = True) -> str:
    lines = [header_line(layout)] if header else []
    lines += [format_csv_line([row.get(name, "") for name in layout.names]) for row in rows]
    return "".join(line + "\r\n" for line in lines)


def card_file_name(kind: str, insurer_no: str = INSURER_NO, ext: str = "csv") -> str:
    n = next(_seq)
    stamp = dt.datetime(2026, 11, 25, 9, 0, 0) + dt.timedelta(seconds=n)
    return f"{kind}_{insurer_no}_{stamp:%Y%m%d%H%M%S}_{n % 1000:03d}.{ext}"


def write_card_file(
    directory: Path,
    kind: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    name: str | None = None,
) -> Path:
    path = directory / (name or card_file_name(kind))
    path.write_bytes(card_file_text(LAYOUTS[kind], rows).encode(encoding))
    return path


def make_insurer(session: Session, insurer_no: str = INSURER_NO, name: str = "千代田区") -> None:
    registry.upsert_insurer(session, insurer_no, name)


def ingest(session: Session, path: Path, settings: Settings) -> FileReport:
    """Ingest like the CLI does: a rejection rolls the file back (to the test's savepoint)."""
    try:
        with session.begin_nested():
            return ingest_file(session, path, settings, submitted_by="test")
    except IngestRejected as rejected:
        return rejected.report


def make_person(
    session: Session, insured_no: str, insurer_no: str = INSURER_NO, **fields: Any
) -> Any:
    from kaigo_kiban.registry.models import InsuredPerson

    person = InsuredPerson(
        insurer_no=insurer_no,
        insured_no=insured_no,
        name_kanji=fields.pop("name_kanji", "試験 花子"),
        name_kana=fields.pop("name_kana", "シケン ハナコ"),
        birth_date=fields.pop("birth_date", dt.date(1940, 1, 2)),
        sex=fields.pop("sex", "2"),
        qualified_on=fields.pop("qualified_on", dt.date(2005, 1, 2)),
        latest_history_no=1,
        **fields,
    )
    session.add(person)
    session.flush()
    return person


def make_org(
    session: Session,
    kind: str,
    code: str,
    name: str = "試験事業所",
    service_types: tuple[str, ...] = (),
    insurer_no: str | None = None,
) -> Any:
    from kaigo_kiban.core.clock import utcnow
    from kaigo_kiban.registry.models import OfficeService, Organization

    org = Organization(kind=kind, code=code, name=name, insurer_no=insurer_no, created_at=utcnow())
    session.add(org)
    session.flush()
    for st in service_types:
        session.add(OfficeService(organization_id=org.id, service_type=st))
    session.flush()
    return org


def actor_for(org: Any, job_type: str | None = None, **extra: Any) -> Any:
    from kaigo_kiban.access.rules import Actor

    types = (
        tuple(sorted(s.service_type for s in getattr(org, "_types", ())))
        if hasattr(org, "_types")
        else extra.pop("service_types", ())
    )
    return Actor(
        kind="municipality" if org.kind == "municipality" else "staff",
        display_name="試験 職員",
        account_id=None,
        organization_id=org.id,
        organization_kind=org.kind,
        organization_code=org.code,
        organization_name=org.name,
        service_types=types,
        job_type=job_type,
        insurer_no=org.insurer_no,
        **extra,
    )


def write_rows_file(
    directory: Path, layout: Layout, rows: list[dict[str, str]], insurer_no: str = INSURER_NO
) -> Path:
    """A municipal CSV of any layout (header + rows in layout order)."""
    path = directory / card_file_name(layout.kind, insurer_no)
    path.write_bytes(card_file_text(layout, rows).encode("utf-8"))
    return path
