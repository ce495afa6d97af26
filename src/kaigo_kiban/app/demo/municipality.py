"""The demo municipality reading its own persons' cards while it builds the demo.

The builder plays the municipality: what it reads passes the gate like any other read, as the
municipality's system, and is audited (the person's access history shows it).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
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
