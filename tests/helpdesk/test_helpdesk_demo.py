"""The help desk's demo data: vendors and FAQ entries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaigo_kiban.app.demo import helpdesk as helpdesk_demo
from kaigo_kiban.app.demo.builder import DEMO_OPERATOR
from kaigo_kiban.helpdesk import service as helpdesk


def test_seed_demo_lists_vendors_and_a_searchable_faq(db: Session) -> None:
    counts = helpdesk_demo.seed_demo(db, DEMO_OPERATOR)

    assert len(helpdesk.list_vendors(db)) == counts["vendors"] >= 3
    assert helpdesk.search_faq(db, "カードリーダー")
