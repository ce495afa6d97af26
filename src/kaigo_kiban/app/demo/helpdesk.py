"""Demo data of the help desk (synthetic): a few vendors and FAQ entries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.helpdesk.service import VendorInput, add_faq, create_vendor

_DEMO_VENDORS = (
    VendorInput(
        "架空ネットワークサービス株式会社",
        url="https://vendor-a.example.jp/",
        phone="0120-000-001",
        nationwide=True,
        services=["READER", "CONNECTION_SUPPORT", "CAREPLAN_SETUP"],
        note="全国対応。カードリーダーの手配から証明書の導入まで一括で支援します（合成データ）。",
    ),
    VendorInput(
        "かながわ介護ICTサポート合同会社",
        url="https://vendor-b.example.jp/",
        phone="045-000-0002",
        prefectures=["神奈川県", "東京都"],
        services=["CONNECTION_SUPPORT", "CAREPLAN_SETUP"],
    ),
    VendorInput(
        "みなみ架空事務機株式会社",
        phone="092-000-0003",
        prefectures=["福岡県", "佐賀県", "熊本県"],
        services=["READER"],
    ),
    VendorInput(
        "きた架空システム株式会社",
        url="https://vendor-d.example.jp/",
        prefectures=["北海道", "青森県", "岩手県"],
        services=["READER", "CONNECTION_SUPPORT"],
    ),
    VendorInput(
        "架空ケアテック株式会社",
        email="support@vendor-e.example.jp",
        prefectures=["神奈川県"],
        services=["CAREPLAN_SETUP"],
    ),
)
_DEMO_FAQ = (
    (
        "SUBSIDY",
        "カードリーダーを4台購入しました。全額が補助されますか？",
        "訪問・通所・短期滞在系の事業所では3台までが補助対象です。4台目の費用は対象外となり、"
        "申請画面の計算結果に対象外の金額が表示されます。",
    ),
    (
        "SUBSIDY",
        "ケアプランデータ連携システムの初期設定支援だけを依頼した場合も補助対象ですか？",
        "初期設定支援は、接続サポートと併せて購入した場合に限り補助対象です。",
    ),
    (
        "PLATFORM",
        "市町村がまだ介護情報基盤への送信を開始していない場合、どのように表示されますか？",
        "利用者の情報の画面に「この市町村はまだ介護情報基盤への送信を開始していません」と表示"
        "されます。開始予定は「市町村の開始予定」のページで確認できます。",
    ),
)


def seed_demo(session: Session, operator: Actor) -> dict[str, int]:
    """A few vendors and FAQ entries (synthetic), entered by ``operator``."""
    for data in _DEMO_VENDORS:
        create_vendor(session, operator, data)
    for category, question, answer in _DEMO_FAQ:
        add_faq(session, operator, category, question, answer)
    return {"vendors": len(_DEMO_VENDORS), "faq": len(_DEMO_FAQ)}
