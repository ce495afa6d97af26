"""Demo data of the subsidies (synthetic): one over-cap draft application of the demo
home-help office with a receipt attached."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.registry.models import Organization
from kaigo_kiban.subsidies.service import (
    ItemInput,
    add_receipt,
    applicant_facts,
    create_application,
)

DEMO_APPLICANT = "1470000029"  # 架空ヘルパーステーションあおば (訪問介護)
# A minimal one-page PDF: enough for the type check and a browser's viewer (synthetic).
_DEMO_RECEIPT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>endobj\n"
    b"4 0 obj<</Length 60>>stream\nBT /F1 18 Tf 72 760 Td (Receipt - synthetic demo) Tj ET\n"
    b"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_demo(session: Session, orgs_by_code: dict[str, Organization]) -> dict[str, int]:
    """A draft application of office 1470000029 (which ``orgs_by_code`` must hold): four readers,
    connection support and care-plan setup, over the reader allowance and the cap."""
    office = orgs_by_code[DEMO_APPLICANT]
    _, types, _ = applicant_facts(session, office.id)
    actor = Actor(
        kind="staff",
        display_name="高橋 ヘルパ",
        organization_id=office.id,
        organization_kind=office.kind,
        organization_code=office.code,
        organization_name=office.name,
        service_types=types,
    )
    app = create_application(
        session,
        actor,
        [
            ItemInput("card_reader", 4, 79_200, "汎用カードリーダー（非接触IC）"),
            ItemInput("connection_support", 1, 22_000, "端末設定・クライアント証明書の導入"),
            ItemInput("careplan_setup_support", 1, 11_000, "ケアプランデータ連携の初期設定"),
        ],
        contact_name="高橋 ヘルパ",
        contact_phone="045-000-0000",
    )
    add_receipt(
        session,
        actor,
        app.id,
        "領収書_架空ネットワークサービス.pdf",
        io.BytesIO(_DEMO_RECEIPT),
        max_bytes=1 << 20,
    )
    return {"applications": 1}
