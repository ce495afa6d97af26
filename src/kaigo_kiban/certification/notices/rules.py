"""居宅サービス計画作成依頼届出 rules: the codes of a notice and the checks on what an office or a
municipality enters. Pure functions, no I/O.
"""

from __future__ import annotations

from kaigo_kiban.core.errors import InvalidInput

PLAN_OFFICE_TYPES = {"43": "1", "46": "3"}  # service type → 居宅サービス計画作成区分コード
NOTICE_KINDS = {"1": "新規", "2": "変更（事業所の変更）"}
STATUSES = {"submitted": "受付待ち", "accepted": "受理", "returned": "返戻"}


def check_notice(notice_kind: str, remarks: str | None) -> None:
    """InvalidInput unless the kind is 1 (新規) or 2 (変更) and the remarks fit in 500 characters."""
    if notice_kind not in NOTICE_KINDS:
        raise InvalidInput(
            "届出の区分は 1 (新規) または 2 (変更) です",
            code="CT-NOTICE-KIND",
            details={"field": "notice_kind", "value": notice_kind},
        )
    if remarks is not None and len(remarks) > 500:
        raise InvalidInput(
            "備考は500文字以内です", code="CT-NOTICE-REMARKS", details={"field": "remarks"}
        )


def return_reason(reason: str | None) -> str:
    """The reason for returning a notice, stripped; InvalidInput when empty or over 500."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(
            "返戻の理由を500文字以内で入力してください",
            code="CT-NOTICE-REASON",
            details={"field": "reason"},
        )
    return reason


def check_status(status: str) -> None:
    """InvalidInput unless ``status`` is one of ``STATUSES``."""
    if status not in STATUSES:
        raise InvalidInput(
            f"status は {', '.join(STATUSES)} のいずれかです", code="CT-NOTICE-STATUS"
        )
