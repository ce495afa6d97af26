"""The data kinds municipal systems send, each a layout plus the area function that merges it.

Areas declare layouts in their ``formats.py`` and merge logic in their ``service.py``; this
module is the one place that lists them, so the pipeline stays ignorant of any one area.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from kaigo_kiban.access import formats as access_formats
from kaigo_kiban.access import service as access_service
from kaigo_kiban.access.models import Consent, ServiceEvidence
from kaigo_kiban.benefits import formats as benefit_formats
from kaigo_kiban.benefits import models as benefit_models
from kaigo_kiban.benefits import service as benefit_service
from kaigo_kiban.cards import formats as card_formats
from kaigo_kiban.cards import service as card_service
from kaigo_kiban.certification.cases import intake as cert_cases_intake
from kaigo_kiban.certification.opinions import intake as cert_opinions_intake
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.tabular import Layout

Merge = Callable[[Session, Table, int], list[FieldError]]
"""Merge the staged rows of one file (staging table, ingest file id); return cross-file errors."""


@dataclass(frozen=True)
class DataKind:
    layout: Layout
    target: Table
    merge: Merge

    @property
    def name(self) -> str:
        return self.layout.kind


def _card_kind(layout: Layout) -> DataKind:
    table = card_service.CARD_TABLES[layout.kind]
    return DataKind(layout, table, card_service.merge_card_file)


_ALL: list[DataKind] = [
    *map(_card_kind, card_formats.CARD_LAYOUTS),
    # One line per further kind, owned by its area (layout in formats.py, merge in service.py).
    DataKind(
        access_formats.SERVICE_EVIDENCE,
        ServiceEvidence.__table__,
        access_service.merge_service_evidence,
    ),
    DataKind(access_formats.CONSENT, Consent.__table__, access_service.merge_consent),
    *(DataKind(*kind) for kind in cert_cases_intake.FILE_KINDS),  # four certification kinds
    *(DataKind(*kind) for kind in cert_opinions_intake.FILE_KINDS),  # and opinion_request
    DataKind(
        benefit_formats.HOME_MODIFICATION,
        benefit_models.HomeModification.__table__,
        benefit_service.merge_usage_file,
    ),
    DataKind(
        benefit_formats.EQUIPMENT_PURCHASE,
        benefit_models.EquipmentPurchase.__table__,
        benefit_service.merge_usage_file,
    ),
]
KINDS: dict[str, DataKind] = {k.name: k for k in _ALL}

FILE_NAME = re.compile(
    r"(?P<kind>[a-z][a-z_]*?)_(?P<insurer_no>[0-9]{6})_(?P<created>[0-9]{14})"
    r"(?:_(?P<seq>[0-9]{1,6}))?\.(?P<ext>csv|jsonl)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FileName:
    kind: str
    insurer_no: str
    created_at: datetime
    seq: int
    format: str


def parse_file_name(name: str) -> FileName | FieldError:
    """``<kind>_<insurer_no>_<YYYYMMDDHHMMSS>[_<seq>].csv|jsonl`` → parts, or the error."""
    m = FILE_NAME.fullmatch(name)
    if m is None:
        return FieldError(
            code="ING-FILE-NAME",
            message="ファイル名が規約 (<種別>_<保険者番号>_<作成日時14桁>[_<連番>].csv) に合いません",
            value=name,
            file=name,
        )
    kind = m["kind"].lower()
    if kind not in KINDS:
        return FieldError(
            code="ING-UNKNOWN-KIND",
            message=f"未知のデータ種別です (使用可能: {', '.join(sorted(KINDS))})",
            value=m["kind"],
            file=name,
        )
    try:
        created = datetime.strptime(m["created"], "%Y%m%d%H%M%S")
    except ValueError:
        return FieldError(
            code="ING-FILE-NAME-TIMESTAMP",
            message="ファイル名の作成日時が実在しない日時です",
            value=m["created"],
            file=name,
        )
    return FileName(kind, m["insurer_no"], created, int(m["seq"] or 0), m["ext"].lower())
