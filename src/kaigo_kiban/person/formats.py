"""The access-history CSV download: UTF-8 with a BOM (so Excel reads the Japanese), CRLF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from kaigo_kiban.core.clock import to_jst, wareki
from kaigo_kiban.person.rules import OUTCOME_LABELS

if TYPE_CHECKING:
    from kaigo_kiban.person.portal import HistoryRow

HEADER = (
    "日時（日本時間）",
    "日付（和暦）",
    "見た人・事業所",
    "事業所番号",
    "サービス種類",
    "職種",
    "情報の種類",
    "操作",
    "結果",
    "断られた理由",
)


def history_csv(rows: Iterable[HistoryRow]) -> bytes:
    """One line per access-history row (``person.portal.HistoryRow``), newest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        jst = to_jst(row.occurred_at)
        writer.writerow(
            (
                jst.strftime("%Y-%m-%d %H:%M:%S"),
                wareki(jst.date()),
                row.who,
                row.organization_code or "",
                row.service_types,
                row.job_type,
                row.data_kind,
                row.action,
                OUTCOME_LABELS.get(row.outcome, row.outcome),
                row.reason,
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
