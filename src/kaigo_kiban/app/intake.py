"""The kinds of municipal files the platform takes in: one line per kind, owned by its area
(layout in its ``formats.py``, merge in its ``service.py``). The pipeline (``ingest``) takes
this mapping as an argument, so it knows no area.
"""

from __future__ import annotations

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
from kaigo_kiban.core.tabular import Layout
from kaigo_kiban.ingest.kinds import DataKind


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
