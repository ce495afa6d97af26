"""Portal demo data (synthetic): vendors, FAQ, a readiness schedule, one draft application.

Called through ``portal.service.seed_demo`` by the demo builder.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.ids import municipality_check_digit
from kaigo_kiban.portal.formats import ReadinessRow, format_readiness
from kaigo_kiban.portal.rules_readiness import ReadinessStatus
from kaigo_kiban.portal.service import ItemInput, add_receipt, applicant_facts, create_application
from kaigo_kiban.portal.service_helpdesk import VendorInput, add_faq, create_vendor
from kaigo_kiban.portal.service_readiness import import_readiness
from kaigo_kiban.registry.models import Insurer, Organization

OPERATOR = Actor(kind="operator", display_name="デモ", organization_kind="operator")


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


def seed(session: Session, orgs_by_code: dict[str, Organization]) -> dict[str, int]:
    """Portal demo data: vendors, FAQ, a readiness schedule of about 40 synthetic
    municipalities (the demo insurer LIVE), and one over-cap draft application of the demo
    home-help office with a receipt attached."""
    counts = _seed_helpdesk(session)
    city = next(o for o in orgs_by_code.values() if o.kind == "municipality" and o.insurer_no)
    insurer = session.get(Insurer, city.insurer_no)
    name = insurer.name if insurer else city.name
    counts["readiness"] = _seed_readiness(session, (city.insurer_no or "", name), today_jst())
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
    counts["applications"] = 1
    return counts


# --- readiness ---

# (municipality stem, prefecture code, plan) — synthetic names; codes in the unused 9xx range
# of each prefecture with a valid check digit. plan: a start date, or None for 調整中.
_DEMO_PLAN: tuple[tuple[str, int, dt.date | None], ...] = (
    ("しらかば架空市", 1, dt.date(2026, 11, 1)),
    ("みずうみ架空町", 1, dt.date(2027, 4, 1)),
    ("ゆきぐに架空村", 1, None),
    ("りんご架空市", 2, dt.date(2027, 10, 1)),
    ("さんりく架空市", 3, dt.date(2027, 7, 1)),
    ("あおば架空区", 4, dt.date(2026, 12, 1)),
    ("なまはげ架空市", 5, dt.date(2027, 4, 1)),
    ("さくらんぼ架空市", 6, dt.date(2027, 10, 1)),
    ("あいづ架空町", 7, dt.date(2028, 1, 1)),
    ("かすみ架空市", 8, dt.date(2027, 4, 1)),
    ("にっこう架空市", 9, dt.date(2027, 7, 1)),
    ("からっかぜ架空町", 10, None),
    ("むさし架空市", 11, dt.date(2027, 1, 1)),
    ("ぼうそう架空市", 12, dt.date(2027, 4, 1)),
    ("たまがわ架空市", 13, dt.date(2026, 11, 1)),
    ("すみだ架空区", 13, dt.date(2027, 4, 1)),
    ("さがみ架空市", 14, dt.date(2027, 2, 1)),
    ("ささだんご架空市", 15, dt.date(2027, 10, 1)),
    ("たてやま架空町", 16, dt.date(2027, 7, 1)),
    ("かが架空市", 17, dt.date(2027, 4, 1)),
    ("えちぜん架空町", 18, dt.date(2028, 1, 1)),
    ("ふじみ架空市", 19, dt.date(2027, 4, 1)),
    ("しなの架空市", 20, dt.date(2027, 10, 1)),
    ("ひだ架空市", 21, dt.date(2027, 7, 1)),
    ("するが架空市", 22, dt.date(2027, 1, 1)),
    ("おわり架空市", 23, dt.date(2026, 12, 1)),
    ("いせ架空市", 24, dt.date(2027, 4, 1)),
    ("おうみ架空市", 25, dt.date(2027, 10, 1)),
    ("みやこ架空市", 26, dt.date(2027, 4, 1)),
    ("なにわ架空市", 27, dt.date(2027, 2, 1)),
    ("はりま架空市", 28, dt.date(2027, 7, 1)),
    ("やまと架空町", 29, None),
    ("くまの架空町", 30, dt.date(2028, 1, 1)),
    ("さきゅう架空市", 31, dt.date(2027, 10, 1)),
    ("いずも架空市", 32, dt.date(2027, 4, 1)),
    ("せとうち架空市", 33, dt.date(2027, 7, 1)),
    ("しまなみ架空市", 34, dt.date(2027, 4, 1)),
    ("はかた架空市", 40, dt.date(2027, 1, 1)),
    ("ひのくに架空市", 43, dt.date(2027, 10, 1)),
    ("さつま架空市", 46, dt.date(2028, 7, 1)),
    ("ちゅらうみ架空村", 47, None),
)
# A 広域連合: two towns, one insurer number.
_DEMO_JOINT = (("あさひ架空町", 3, 901), ("ゆうひ架空村", 3, 902))


def _code(prefecture: int, number: int) -> str:
    first = f"{prefecture:02d}{number:03d}"
    return first + str(municipality_check_digit(first))


def _seed_readiness(session: Session, demo_insurer: tuple[str, str], today: dt.date) -> int:
    """A plausible schedule for about 40 synthetic municipalities; the demo insurer is LIVE.

    Dates on or before ``today`` are LIVE (they would have started), later ones SCHEDULED, so
    the demo stays consistent whenever it is built.
    """
    rows: list[ReadinessRow] = []
    for i, (name, pref, plan) in enumerate(_DEMO_PLAN, start=1):
        code = _code(pref, 900 + i)
        rows.append(_demo_row(code, name, pref, code, plan, today))
    joint_no = _code(3, 990)
    for name, pref, number in _DEMO_JOINT:
        rows.append(
            _demo_row(_code(pref, number), name, pref, joint_no, dt.date(2027, 4, 1), today)
        )
    insurer_no, insurer_name = demo_insurer
    start = min(dt.date(2026, 11, 1), today)
    rows.append(_demo_row(insurer_no, insurer_name, int(insurer_no[:2]), insurer_no, start, today))
    text = format_readiness(rows).encode("utf-8")
    report = import_readiness(
        session,
        OPERATOR,
        io.BytesIO(text),
        file_name="demo-readiness.csv",
        today=today,
        max_line_bytes=64 * 1024,
    )
    return report.rows


def _demo_row(
    code: str, name: str, pref: int, insurer_no: str, plan: dt.date | None, today: dt.date
) -> ReadinessRow:
    if plan is None:
        status = ReadinessStatus.ARRANGING
    else:
        status = ReadinessStatus.LIVE if plan <= today else ReadinessStatus.SCHEDULED
    return ReadinessRow(0, code, name, PREFECTURES[pref - 1], insurer_no, plan, status)


# --- vendors and FAQ ---

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


def _seed_helpdesk(session: Session) -> dict[str, int]:
    """A few vendors and FAQ entries (synthetic)."""
    for data in _DEMO_VENDORS:
        create_vendor(session, OPERATOR, data)
    for category, question, answer in _DEMO_FAQ:
        add_faq(session, OPERATOR, category, question, answer)
    return {"vendors": len(_DEMO_VENDORS), "faq": len(_DEMO_FAQ)}
