"""Vendors (導入支援事業者), inquiries (お問い合わせ) and the FAQ.

Vendors and the FAQ are public; operators maintain them. An inquiry belongs to the signed-in
organisation that sent it (or, when sent anonymously, to whoever holds its secret link);
only that organisation, that link and operators can read it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor, require_operator
from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import InvalidInput, NotFound
from kaigo_kiban.helpdesk.models import (
    FaqEntry,
    Inquiry,
    InquiryMessage,
    Vendor,
    VendorRegion,
    VendorService,
)

VENDOR_SERVICES = {
    "READER": "カードリーダーの販売・設置",
    "CONNECTION_SUPPORT": "接続サポート（端末の設定、クライアント証明書の導入など）",
    "CAREPLAN_SETUP": "ケアプランデータ連携システムの初期設定支援",
}
INQUIRY_CATEGORIES = {
    "PLATFORM": "介護情報基盤の利用について",
    "SUBSIDY": "助成金（補助金）について",
    "OTHER": "その他",
}
INQUIRY_STATUSES = {"OPEN": "回答待ち", "ANSWERED": "回答済み"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"https?://[^\s\"'<>]+")
_PHONE = re.compile(r"[0-9+\-() ]{0,20}")


class VendorNotFound(NotFound):
    code = "PTL-VENDOR-NOT-FOUND"


class InquiryNotFound(NotFound):
    code = "PTL-INQUIRY-NOT-FOUND"


class FormInvalid(InvalidInput):
    """Some fields are wrong; ``details`` maps each field to its Japanese message."""

    code = "PTL-FORM-INVALID"


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise FormInvalid(
            "入力内容に誤りがあります: " + " / ".join(errors.values()), details=errors
        )


# --- vendors ----------------------------------------------------------------------------


@dataclass
class VendorInput:
    name: str
    url: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""
    nationwide: bool = False
    prefectures: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    active: bool = True


def vendor_errors(data: VendorInput) -> dict[str, str]:
    """Japanese message per wrong field (empty when the vendor can be saved)."""
    errors = {}
    if not data.name.strip() or len(data.name) > 120:
        errors["name"] = "事業者名を入力してください（120文字以内）"
    if data.url and not _URL.fullmatch(data.url):
        errors["url"] = "URL は http:// または https:// で始まる形で入力してください"
    if data.phone and not _PHONE.fullmatch(data.phone):
        errors["phone"] = "電話番号は数字とハイフンで入力してください"
    if data.email and not _EMAIL.fullmatch(data.email):
        errors["email"] = "メールアドレスの形式が正しくありません"
    if not data.nationwide and not data.prefectures:
        errors["prefectures"] = "対応地域（都道府県）を1つ以上選ぶか、「全国」を選んでください"
    if any(p not in PREFECTURES for p in data.prefectures):
        errors["prefectures"] = "都道府県名が正しくありません"
    if not data.services or any(s not in VENDOR_SERVICES for s in data.services):
        errors["services"] = "提供するサービスを1つ以上選んでください"
    return errors


def _save_vendor(session: Session, vendor: Vendor, data: VendorInput) -> Vendor:
    vendor.name = data.name.strip()
    vendor.url, vendor.phone, vendor.email = (
        data.url.strip(),
        data.phone.strip(),
        data.email.strip(),
    )
    vendor.note = data.note.strip()[:2000]
    vendor.nationwide, vendor.active = data.nationwide, data.active
    vendor.updated_at = utcnow()
    session.flush()
    for table in (VendorRegion, VendorService):
        for old in session.scalars(select(table).where(table.vendor_id == vendor.id)):
            session.delete(old)
    session.flush()
    prefectures = [] if data.nationwide else sorted(set(data.prefectures), key=PREFECTURES.index)
    session.add_all(VendorRegion(vendor_id=vendor.id, prefecture=p) for p in prefectures)
    session.add_all(
        VendorService(vendor_id=vendor.id, service=s) for s in sorted(set(data.services))
    )
    session.flush()
    return vendor


def create_vendor(session: Session, actor: Actor, data: VendorInput) -> Vendor:
    require_operator(actor)
    _raise_if(vendor_errors(data))
    vendor = Vendor(name="", created_at=utcnow(), updated_at=utcnow())
    session.add(vendor)
    session.flush()
    return _save_vendor(session, vendor, data)


def update_vendor(session: Session, actor: Actor, vendor_id: int, data: VendorInput) -> Vendor:
    require_operator(actor)
    vendor = session.get(Vendor, vendor_id)
    if vendor is None:
        raise VendorNotFound("導入支援事業者が見つかりません")
    _raise_if(vendor_errors(data))
    return _save_vendor(session, vendor, data)


@dataclass(frozen=True)
class VendorView:
    vendor: Vendor
    prefectures: tuple[str, ...]
    services: tuple[str, ...]

    def as_input(self) -> VendorInput:
        v = self.vendor
        return VendorInput(
            v.name, v.url, v.phone, v.email, v.note, v.nationwide,
            list(self.prefectures), list(self.services), v.active,
        )  # fmt: skip


def list_vendors(
    session: Session,
    *,
    prefecture: str | None = None,
    service: str | None = None,
    include_inactive: bool = False,
) -> list[VendorView]:
    """Vendors serving ``prefecture`` (nationwide ones included) and offering ``service``."""
    query = select(Vendor).order_by(Vendor.name, Vendor.id)
    if not include_inactive:
        query = query.where(Vendor.active.is_(True))
    if prefecture:
        serves = select(VendorRegion.vendor_id).where(VendorRegion.prefecture == prefecture)
        query = query.where(or_(Vendor.nationwide.is_(True), Vendor.id.in_(serves)))
    if service:
        offers = select(VendorService.vendor_id).where(VendorService.service == service)
        query = query.where(Vendor.id.in_(offers))
    vendors = list(session.scalars(query))
    ids = [v.id for v in vendors]
    regions: dict[int, list[str]] = defaultdict(list)
    services: dict[int, list[str]] = defaultdict(list)
    if ids:
        for r in session.scalars(select(VendorRegion).where(VendorRegion.vendor_id.in_(ids))):
            regions[r.vendor_id].append(r.prefecture)
        for s in session.scalars(select(VendorService).where(VendorService.vendor_id.in_(ids))):
            services[s.vendor_id].append(s.service)
    order = {name: i for i, name in enumerate(VENDOR_SERVICES)}
    return [
        VendorView(
            v,
            tuple(sorted(regions[v.id], key=PREFECTURES.index)),
            tuple(sorted(services[v.id], key=order.__getitem__)),
        )
        for v in vendors
    ]


def get_vendor(session: Session, vendor_id: int) -> VendorView:
    views = [v for v in list_vendors(session, include_inactive=True) if v.vendor.id == vendor_id]
    if not views:
        raise VendorNotFound("導入支援事業者が見つかりません")
    return views[0]


# --- inquiries --------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def inquiry_errors(
    actor: Actor | None, category: str, subject: str, body: str, contact_email: str
) -> dict[str, str]:
    errors = {}
    if category not in INQUIRY_CATEGORIES:
        errors["category"] = "お問い合わせの種類を選んでください"
    if not subject.strip() or len(subject) > 120:
        errors["subject"] = "件名を入力してください（120文字以内）"
    if not body.strip() or len(body) > 4000:
        errors["body"] = "お問い合わせ内容を入力してください（4000文字以内）"
    if contact_email and not _EMAIL.fullmatch(contact_email.strip()):
        errors["contact_email"] = "メールアドレスの形式が正しくありません"
    elif actor is None and not contact_email.strip():
        errors["contact_email"] = (
            "ログインせずにお問い合わせいただく場合は、返信先のメールアドレスが必要です"
        )
    return errors


def create_inquiry(
    session: Session,
    actor: Actor | None,
    *,
    category: str,
    subject: str,
    body: str,
    contact_name: str = "",
    contact_email: str = "",
) -> tuple[Inquiry, str | None]:
    """A new inquiry; for an anonymous sender also the secret that opens its thread (shown
    once, only its hash is kept)."""
    _raise_if(inquiry_errors(actor, category, subject, body, contact_email))
    token = None if actor is not None else secrets.token_urlsafe(24)
    now = utcnow()
    inquiry = Inquiry(
        organization_id=actor.organization_id if actor else None,
        account_id=actor.account_id if actor else None,
        contact_name=(contact_name.strip() or (actor.display_name if actor else ""))[:100],
        contact_email=contact_email.strip()[:120],
        category=category,
        subject=subject.strip(),
        status="OPEN",
        access_digest=_digest(token) if token else None,
        created_at=now,
        updated_at=now,
    )
    session.add(inquiry)
    session.flush()
    author = inquiry.contact_name or "お問い合わせ者"
    session.add(
        InquiryMessage(
            inquiry_id=inquiry.id,
            author_role="requester",
            author_name=author,
            body=body.strip(),
            created_at=now,
        )
    )
    session.flush()
    return inquiry, token


def _visible(inquiry: Inquiry | None, actor: Actor | None) -> bool:
    if inquiry is None or actor is None:
        return False
    if actor.organization_kind == "operator":
        return True
    return inquiry.organization_id is not None and inquiry.organization_id == actor.organization_id


def get_inquiry(session: Session, actor: Actor | None, inquiry_id: int) -> Inquiry:
    """One inquiry, for the organisation that sent it or an operator ("not found" otherwise)."""
    inquiry = session.get(Inquiry, inquiry_id)
    if not _visible(inquiry, actor):
        raise InquiryNotFound("お問い合わせが見つかりません", details={"id": inquiry_id})
    assert inquiry is not None
    return inquiry


def get_inquiry_by_token(session: Session, token: str) -> Inquiry:
    """An anonymous inquiry opened by its secret link."""
    inquiry = session.scalar(select(Inquiry).where(Inquiry.access_digest == _digest(token)))
    if inquiry is None:
        raise InquiryNotFound("お問い合わせが見つかりません（リンクを確認してください）")
    return inquiry


def list_inquiries(session: Session, actor: Actor, status: str | None = None) -> list[Inquiry]:
    """The organisation's own inquiries; an operator sees all (newest first)."""
    query = select(Inquiry)
    if actor.organization_kind != "operator":
        query = query.where(Inquiry.organization_id == actor.organization_id)
    if status:
        query = query.where(Inquiry.status == status)
    return list(session.scalars(query.order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())))


def inquiry_messages(session: Session, inquiry: Inquiry) -> list[InquiryMessage]:
    return list(
        session.scalars(
            select(InquiryMessage)
            .where(InquiryMessage.inquiry_id == inquiry.id)
            .order_by(InquiryMessage.id)
        )
    )


def post_message(session: Session, actor: Actor, inquiry_id: int, body: str) -> InquiryMessage:
    """A reply: an operator's answers the inquiry (ANSWERED), the sender's reopens it (OPEN)."""
    inquiry = get_inquiry(session, actor, inquiry_id)
    text = body.strip()
    if not text or len(text) > 4000:
        raise FormInvalid(
            "本文を入力してください（4000文字以内）", details={"body": "本文を入力してください"}
        )
    operator = actor.organization_kind == "operator"
    message = InquiryMessage(
        inquiry_id=inquiry.id,
        author_role="operator" if operator else "requester",
        author_name=actor.display_name,
        body=text,
        created_at=utcnow(),
    )
    session.add(message)
    inquiry.status = "ANSWERED" if operator else "OPEN"
    inquiry.updated_at = message.created_at
    session.flush()
    return message


# --- FAQ ----------------------------------------------------------------------------------


def promote_to_faq(
    session: Session, actor: Actor, inquiry_id: int, *, question: str, answer: str
) -> FaqEntry:
    """Publish an answered inquiry as an FAQ entry. The operator writes the question and the
    answer for everyone (without the sender's details); the link to the inquiry is kept."""
    require_operator(actor)
    inquiry = get_inquiry(session, actor, inquiry_id)
    errors = {}
    if inquiry.status != "ANSWERED":
        errors["inquiry"] = "回答済みのお問い合わせだけをよくある質問にできます"
    if not question.strip():
        errors["question"] = "質問を入力してください"
    if not answer.strip():
        errors["answer"] = "回答を入力してください"
    _raise_if(errors)
    return add_faq(session, actor, inquiry.category, question, answer, source_inquiry_id=inquiry.id)


def add_faq(
    session: Session,
    actor: Actor,
    category: str,
    question: str,
    answer: str,
    *,
    source_inquiry_id: int | None = None,
) -> FaqEntry:
    require_operator(actor)
    entry = FaqEntry(
        category=category,
        question=question.strip(),
        answer=answer.strip(),
        source_inquiry_id=source_inquiry_id,
        published=True,
        created_at=utcnow(),
        created_by=actor.display_name,
    )
    session.add(entry)
    session.flush()
    return entry


def search_faq(session: Session, q: str = "", category: str | None = None) -> list[FaqEntry]:
    """Published entries whose question or answer contains every word of ``q``."""
    query = select(FaqEntry).where(FaqEntry.published.is_(True))
    if category:
        query = query.where(FaqEntry.category == category)
    for word in q.replace("\u3000", " ").split()[:5]:
        # Escape LIKE wildcards so a search for "100%" finds the text, not everything.
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                FaqEntry.question.ilike(pattern, escape="\\"),
                FaqEntry.answer.ilike(pattern, escape="\\"),
            )
        )
    return list(session.scalars(query.order_by(FaqEntry.id.desc()).limit(200)))
