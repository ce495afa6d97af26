"""Subsidy fixtures: the portal's organisations (``world``, from ``tests.factories``) on the
``db`` fixture for service tests, and the in-process app (``portal_app``, ``browser``, from
``tests.webapp``) for API and page tests; the day is fixed inside the 令和8年度 round."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.subsidies import service
from tests.factories import world  # noqa: F401  (a fixture)
from tests.webapp import PORTAL_DAY, browser, portal_app  # noqa: F401  (fixtures)

IN_ROUND = PORTAL_DAY  # 令和8年度 round (2026-05-07 to 2027-03-12)
BETWEEN_ROUNDS = dt.date(2026, 4, 1)  # after 令和7年度 closed, before 令和8年度 opened

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def item(kind: str, amount: int, quantity: int = 1, description: str = "") -> service.ItemInput:
    return service.ItemInput(kind, quantity, amount, description)


def with_receipt(db: Session, actor: Actor, app_id: int, content: bytes = PDF) -> None:
    service.add_receipt(db, actor, app_id, "receipt.pdf", io.BytesIO(content), max_bytes=1 << 20)
