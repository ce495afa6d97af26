"""Vendors, inquiries and the FAQ: filters, validation, who may read a thread, promotion."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import OperatorOnly
from kaigo_kiban.helpdesk import service as helpdesk
from tests.factories import PortalWorld


def vendor(name: str, **fields) -> helpdesk.VendorInput:  # type: ignore[no-untyped-def]
    fields.setdefault("services", ["READER"])
    return helpdesk.VendorInput(name, **fields)


def names(views: list[helpdesk.VendorView]) -> list[str]:
    return [v.vendor.name for v in views]


def test_vendor_list_filters_by_region_including_nationwide_and_by_service(
    db: Session, world: PortalWorld
) -> None:
    helpdesk.create_vendor(db, world.operator, vendor("A 全国", nationwide=True))
    helpdesk.create_vendor(
        db,
        world.operator,
        vendor("B 関東", prefectures=["東京都", "神奈川県"], services=["CONNECTION_SUPPORT"]),
    )
    helpdesk.create_vendor(db, world.operator, vendor("C 九州", prefectures=["福岡県"]))
    hidden = helpdesk.create_vendor(
        db, world.operator, vendor("D 停止", nationwide=True, active=False)
    )
    assert names(helpdesk.list_vendors(db, prefecture="神奈川県")) == ["A 全国", "B 関東"]
    assert names(helpdesk.list_vendors(db, service="READER")) == ["A 全国", "C 九州"]
    assert names(helpdesk.list_vendors(db, prefecture="福岡県", service="CONNECTION_SUPPORT")) == []
    assert "D 停止" in names(helpdesk.list_vendors(db, include_inactive=True))
    view = helpdesk.get_vendor(db, hidden.id)
    assert view.prefectures == () and view.services == ("READER",)


def test_vendor_edit_replaces_regions_and_services(db: Session, world: PortalWorld) -> None:
    v = helpdesk.create_vendor(db, world.operator, vendor("E", prefectures=["北海道"]))
    helpdesk.update_vendor(
        db,
        world.operator,
        v.id,
        vendor("E 改", prefectures=["沖縄県", "青森県"], services=["CAREPLAN_SETUP", "READER"]),
    )
    view = helpdesk.get_vendor(db, v.id)
    assert (view.vendor.name, view.prefectures, view.services) == (
        "E 改",
        ("青森県", "沖縄県"),
        ("READER", "CAREPLAN_SETUP"),
    )


def test_vendor_with_a_script_link_or_no_region_is_refused(db: Session, world: PortalWorld) -> None:
    with pytest.raises(helpdesk.FormInvalid) as caught:
        helpdesk.create_vendor(
            db, world.operator, vendor("F", url="javascript:alert(1)", services=["X"])
        )
    assert set(caught.value.details) == {"url", "prefectures", "services"}


def test_only_operators_manage_vendors_and_faq(db: Session, world: PortalWorld) -> None:
    with pytest.raises(OperatorOnly):
        helpdesk.create_vendor(db, world.visit, vendor("G", nationwide=True))
    with pytest.raises(OperatorOnly):
        helpdesk.add_faq(db, world.visit, "OTHER", "Q", "A")


def test_anonymous_inquiry_needs_an_email_and_is_read_by_its_secret_link(
    db: Session, world: PortalWorld
) -> None:
    with pytest.raises(helpdesk.FormInvalid) as caught:
        helpdesk.create_inquiry(db, None, category="SUBSIDY", subject="件名", body="本文")
    assert set(caught.value.details) == {"contact_email"}
    inquiry, token = helpdesk.create_inquiry(
        db,
        None,
        category="SUBSIDY",
        subject="補助対象について",
        body="リース契約のカードリーダーは対象ですか",
        contact_email="someone@example.jp",
    )
    assert token and inquiry.organization_id is None
    assert inquiry.access_digest != token  # only the hash is kept
    assert helpdesk.get_inquiry_by_token(db, token).id == inquiry.id
    with pytest.raises(helpdesk.InquiryNotFound):
        helpdesk.get_inquiry_by_token(db, token + "x")
    with pytest.raises(helpdesk.InquiryNotFound):
        helpdesk.get_inquiry(db, world.visit, inquiry.id)  # no organisation owns it
    assert helpdesk.get_inquiry(db, world.operator, inquiry.id).id == inquiry.id


def test_inquiry_is_seen_by_its_organisation_and_operators_only(
    db: Session, world: PortalWorld
) -> None:
    inquiry, token = helpdesk.create_inquiry(
        db, world.visit, category="PLATFORM", subject="ログイン", body="ログインできません"
    )
    assert token is None
    assert helpdesk.get_inquiry(db, world.visit, inquiry.id).id == inquiry.id
    for outsider in (world.other, world.city):
        with pytest.raises(helpdesk.InquiryNotFound) as caught:
            helpdesk.get_inquiry(db, outsider, inquiry.id)
        assert caught.value.http_status == 404
        with pytest.raises(helpdesk.InquiryNotFound):
            helpdesk.post_message(db, outsider, inquiry.id, "割り込み")
        assert helpdesk.list_inquiries(db, outsider) == []
    assert [i.id for i in helpdesk.list_inquiries(db, world.operator)] == [inquiry.id]


def test_answer_then_promote_to_faq_and_find_it(db: Session, world: PortalWorld) -> None:
    inquiry, _ = helpdesk.create_inquiry(
        db, world.visit, category="SUBSIDY", subject="台数", body="4台目は対象ですか"
    )
    with pytest.raises(helpdesk.FormInvalid) as caught:
        helpdesk.promote_to_faq(db, world.operator, inquiry.id, question="Q", answer="A")
    assert "inquiry" in caught.value.details  # not answered yet
    helpdesk.post_message(db, world.operator, inquiry.id, "訪問系は3台までです")
    assert inquiry.status == "ANSWERED"
    helpdesk.post_message(db, world.visit, inquiry.id, "施設系はどうですか")
    assert inquiry.status == "OPEN"
    helpdesk.post_message(db, world.operator, inquiry.id, "居住・入所系は2台までです")
    with pytest.raises(OperatorOnly):
        helpdesk.promote_to_faq(db, world.visit, inquiry.id, question="Q", answer="A")
    entry = helpdesk.promote_to_faq(
        db,
        world.operator,
        inquiry.id,
        question="カードリーダーは何台まで補助されますか",
        answer="訪問系は3台、居住・入所系は2台、その他は1台（100%補助）までです",
    )
    assert entry.source_inquiry_id == inquiry.id and entry.category == "SUBSIDY"
    roles = [m.author_role for m in helpdesk.inquiry_messages(db, inquiry)]
    assert roles == ["requester", "operator", "requester", "operator"]
    assert [e.id for e in helpdesk.search_faq(db, "居住 2台")] == [entry.id]
    assert [e.id for e in helpdesk.search_faq(db, "100%")] == [entry.id]
    assert helpdesk.search_faq(db, "_") == []  # a wildcard is searched for, not expanded
    assert helpdesk.search_faq(db, "台", category="PLATFORM") == []
