"""Municipal file layouts owned by access: service evidence (給付実績の要約) and consent (包括同意)."""

from __future__ import annotations

from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.core.tabular import Column, Kind, Layout

CONSENT_SOURCES = {
    "1": "新規申請時に市町村が取得",
    "2": "更新申請時に市町村が取得",
    "3": "事業所が市町村に代わって取得",
    "9": "撤回 (本人の申出)",
}
CONSENT_SOURCE_NAMES = {
    "1": "MUNICIPALITY_APPLICATION",
    "2": "MUNICIPALITY_RENEWAL",
    "3": "OFFICE_ON_BEHALF",
}

SERVICE_EVIDENCE = Layout(
    kind="service_evidence",
    label="サービス提供実績 (給付実績の要約)",
    key=("insurer_no", "insured_no", "office_no", "service_month"),
    columns=(
        Column("insurer_no", "保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no),
        Column("insured_no", "被保険者番号", Kind.DIGITS, 10, True),
        Column("office_no", "事業所番号", Kind.DIGITS, 10, True),
        Column(
            "service_month",
            "サービス提供年月",
            Kind.DIGITS,
            6,
            True,
            check=lambda v: 1 <= int(v[4:]) <= 12 and v >= "200004",
        ),
    ),
)

CONSENT = Layout(
    kind="consent",
    label="同意情報 (包括同意)",
    key=("insurer_no", "insured_no", "effective_from"),
    columns=(
        Column("insurer_no", "保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no),
        Column("insured_no", "被保険者番号", Kind.DIGITS, 10, True),
        Column("source", "取得区分", Kind.CODE, 1, True, codes=CONSENT_SOURCES),
        Column("effective_from", "同意日 (撤回の場合は撤回日)", Kind.DATE, 8, True),
    ),
)
