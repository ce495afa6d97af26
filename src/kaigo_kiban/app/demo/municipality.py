"""The demo municipality: it sends its files through the real intake, and reads its own
persons' cards while it builds the demo.

What the builder reads passes the gate like any other read, as the municipality's system, and
is audited (the person's access history shows it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import Layout, format_csv_line, header_line
from kaigo_kiban.ingest.service import FileReport, ingest_file
from kaigo_kiban.registry import service as registry


def municipal_actor(session: Session, insurer_no: str) -> Actor:
    org = registry.municipal_organization(session, insurer_no)
    return Actor(
        kind="system",
        display_name=f"{org.name}（デモデータの作成）",
        **registry.organization_actor_fields(session, org),
        insurer_no=insurer_no,
        request_id="demo",
    )


def open_as_municipality(
    session: Session, settings: Settings, insurer_no: str, insured_no: str, kind: str
) -> Grant:
    actor = municipal_actor(session, insurer_no)
    return access.open_kind(session, settings, actor, insurer_no, insured_no, kind)


def write_file(out_dir: Path, layout: Layout, insurer_no: str, rows: list[dict[str, str]]) -> Path:
    """A municipal CSV of ``layout`` (header + rows, CRLF, UTF-8) named as the intake expects."""
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    path = out_dir / f"{layout.kind}_{insurer_no}_{stamp}_001.csv"
    lines = [header_line(layout)]
    lines += [format_csv_line([row.get(n, "") for n in layout.names]) for row in rows]
    path.write_text("".join(line + "\r\n" for line in lines), encoding="utf-8")
    return path


def send_file(
    session: Session,
    settings: Settings,
    out_dir: Path,
    layout: Layout,
    insurer_no: str,
    rows: list[dict[str, str]],
) -> FileReport:
    """Write the file and ingest it as the municipality's system would send it."""
    path = write_file(out_dir, layout, insurer_no, rows)
    return ingest_file(session, path, settings, kinds=KINDS, submitted_by="demo")
