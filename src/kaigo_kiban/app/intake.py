"""The kinds of municipal files the platform takes in: one line per kind, owned by its area
(layout in its ``formats.py``, merge in its ``service.py``). The pipeline (``ingest``) takes
this mapping as an argument, so it knows no area.
"""

from __future__ import annotations

from kaigo_kiban.access import service as access_service
from kaigo_kiban.benefits import service as benefit_service
from kaigo_kiban.cards import service as card_service
from kaigo_kiban.certification.cases import intake as cert_cases_intake
from kaigo_kiban.certification.opinions import intake as cert_opinions_intake
from kaigo_kiban.ingest.kinds import DataKind

_ALL: list[DataKind] = [
    DataKind(*kind)
    for area in (
        card_service,  # the four 証
        access_service,  # service evidence, consent
        cert_cases_intake,  # the four certification kinds
        cert_opinions_intake,  # and opinion_request
        benefit_service,  # 住宅改修, 福祉用具購入
    )
    for kind in area.FILE_KINDS
]
KINDS: dict[str, DataKind] = {k.name: k for k in _ALL}
