"""Receipt files of subsidy applications: the type is read from the magic bytes only
(docs/portal.md §1.3)."""

from __future__ import annotations

from kaigo_kiban.core.errors import InvalidInput


class ReceiptRejected(InvalidInput):
    code = "PTL-RECEIPT-REJECTED"


# Magic bytes decide the type; the file name and the declared Content-Type are not trusted.
RECEIPT_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
RECEIPT_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def check_receipt(head: bytes, size: int, max_bytes: int) -> str:
    """Media type of a receipt from its first bytes; ReceiptRejected when empty, larger than
    ``max_bytes`` or not a PDF, PNG or JPEG."""
    if size == 0:
        raise ReceiptRejected("ファイルが空です", code="PTL-RECEIPT-EMPTY")
    if size > max_bytes:
        raise ReceiptRejected(
            f"ファイルが大きすぎます（上限 {max_bytes:,} バイト）",
            code="PTL-RECEIPT-TOO-LARGE",
            details={"max_bytes": max_bytes},
        )
    for magic, media_type in RECEIPT_MAGIC:
        if head.startswith(magic):
            return media_type
    raise ReceiptRejected(
        "領収書は PDF・PNG・JPEG のいずれかの形式で添付してください（ファイルの内容が"
        "これらの形式ではありません）",
        code="PTL-RECEIPT-TYPE",
    )
