"""Municipal file layout of 主治医意見書作成依頼 (``opinion_request``; see docs/interface.md,
docs/certification.md). Its shared columns are those of the case files (``cases.formats``).
"""

from __future__ import annotations

from kaigo_kiban.certification.cases.formats import (
    application_column,
    correction_column,
    insured_column,
    insurer_column,
)
from kaigo_kiban.core.tabular import Column, Kind, Layout

OPINION_REQUEST = Layout(
    kind="opinion_request",
    label="主治医意見書作成依頼",
    key=("insurer_no", "application_no", "institution_code"),
    ordered=(("requested_on", "due_on"),),
    columns=(
        insurer_column(),
        insured_column(),
        application_column(),
        Column("institution_code", "医療機関コード", Kind.DIGITS, 10, True),
        Column("doctor_name", "主治医氏名", Kind.TEXT, 50),
        Column("requested_on", "依頼年月日", Kind.DATE, 8, True),
        Column("due_on", "提出期限", Kind.DATE, 8),
        correction_column(),
    ),
)
