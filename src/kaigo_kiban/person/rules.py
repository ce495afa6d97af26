"""Pure rules of the person portal: plain-language meanings and messages (proxy grants' own
rules are the gate's: ``access.rules``).

The portal is read by older people and their families, so every explanation here is short,
plain Japanese: one idea per sentence, no jargon without its meaning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kaigo_kiban.access.rules import PROXY_MESSAGES

# Audit data kinds the portal writes besides access.rules.DATA_KINDS.
EXTRA_KIND_LABELS = {
    "consent": "同意の設定",
    "assignment": "担当事業所の設定",
    "proxy": "代理人の設定",
}

CHALLENGE_TTL = dt.timedelta(minutes=5)
SESSION_HOURS = 8
API_TOKEN_MINUTES = 60  # a person's API token (card sign-in over the API), like staff tokens


MESSAGES = {
    "PERSON-CHALLENGE-NOT-FOUND": "確認用の文字列が見つかりません。最初からやり直してください。",
    "PERSON-CHALLENGE-EXPIRED": "確認用の文字列の有効期限（5分）が切れました。もう一度お試しください。",
    "PERSON-CHALLENGE-USED": "この確認用の文字列は使用済みです。もう一度お試しください。",
    "PERSON-CARD-NOT-LINKED": (
        "このカードは、介護保険の被保険者または代理人として登録されていません。"
        "代理人の方は、はじめに招待コードを入力してください。"
    ),
    "PERSON-PERSON-DISQUALIFIED": "介護保険の資格がなくなっているため、ログインできません。",
    "PERSON-DEMO-ONLY": "デモ用のカードは、デモ環境でのみ使えます。",
    **PROXY_MESSAGES,
}

# Card and chain problems (identity / pki codes) in words for older people.
CARD_MESSAGES = {
    "IDV-CERT-INVALID": "カードの電子証明書を読み取れませんでした。もう一度お試しください。",
    "IDV-CERT-UNTRUSTED": "このカードは使えません（信頼できる発行元のカードではありません）。",
    "IDV-CERT-EXPIRED": "カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
    "IDV-CERT-NOT-YET-VALID": "カードの電子証明書はまだ使えません。",
    "IDV-CERT-REVOKED": "このカードの電子証明書は失効しています。市区町村の窓口にご相談ください。",
    "IDV-CRL-UNAVAILABLE": "いまはカードの確認ができません。しばらくしてからお試しください。",
    "IDV-CERT-USAGE": "このカードの電子証明書は、ログインには使えません。",
    "IDV-SIGNATURE-INVALID": "カードの署名を確認できませんでした。表示中の文字列にカードで署名してください。",
}


# --- plain-language meanings -------------------------------------------------------------------

CARE_LEVEL_MEANINGS = {
    "01": "非該当: 介護保険のサービスは使えません。市区町村の介護予防の取り組みは使えることがあります。",
    "06": "事業対象者: 市区町村の介護予防・生活支援のサービスを使えます。",
    "11": "要支援（経過的要介護）: 介護予防のサービスを使えます。",
    "12": "要支援1: 暮らしのほとんどはご自分でできます。少しの手助けで、介護予防のサービスを使えます。",
    "13": "要支援2: 暮らしの一部に手助けが必要です。介護予防のサービスを使えます。",
    "21": "要介護1: 立ち上がりや歩くことが少し不安定で、身の回りの一部に手助けが必要です。",
    "22": "要介護2: 身の回りのことや歩くことに、手助けが必要です。",
    "23": "要介護3: 身の回りのことのほとんどに、手助けが必要です。",
    "24": "要介護4: 暮らしのほとんどに手助けが必要で、介護がないと暮らしにくい状態です。",
    "25": "要介護5: 暮らしのすべてに手助けが必要な状態です。",
}


def care_level_meaning(code: str | None) -> str:
    if not code:
        return "まだ要介護認定を受けていないか、結果が出ていません。"
    return CARE_LEVEL_MEANINGS.get(code, f"要介護状態区分コード {code}")


def copay_meaning(ratio: int | str | None) -> str:
    """``負担割合 1割: サービス費用の1割をお支払いいただきます``."""
    if ratio in (None, ""):
        return "負担割合証の情報がありません。"
    return f"負担割合 {ratio}割: サービス費用の{ratio}割をお支払いいただきます。"


def limit_units_meaning(units: int | None) -> str:
    if not units:
        return ""
    yen = units * 10
    return (
        f"1か月に使える在宅サービスの上限は {units:,} 単位です。"
        f"おおよそ {yen:,}円分のサービスです（地域によって少し変わります）。"
    )


COST_CAP_STAGE_NAMES = {"1": "第1段階", "2": "第2段階", "31": "第3段階①", "32": "第3段階②"}


def cost_cap_meaning(stage: str | None, food_cap_yen: int | None) -> str:
    if not stage:
        return ""
    name = COST_CAP_STAGE_NAMES.get(stage, stage)
    text = f"{name}: 施設に入ったときやショートステイの、食費と部屋代が安くなります。"
    if food_cap_yen is not None:
        text += f"施設での食費は1日 {food_cap_yen:,}円までです。"
    return text


# --- access history ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilter:
    """Filters of the access history page (all optional)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    data_kind: str | None = None
    outcome: str | None = None


def parse_history_filter(
    date_from: str, date_to: str, data_kind: str, outcome: str, known_kinds: set[str]
) -> tuple[HistoryFilter, dict[str, str]]:
    """The filter from query strings, and Japanese errors for fields that were not understood."""
    errors: dict[str, str] = {}
    days: list[dt.date | None] = []
    for name, text in (("date_from", date_from), ("date_to", date_to)):
        text = text.strip()
        if not text:
            days.append(None)
            continue
        try:
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            errors[name] = "日付は 2026-04-01 のように入力してください"
            days.append(None)
    start, end = days
    if start and end and end < start:
        errors["date_to"] = "終わりの日は、始めの日より後にしてください"
    kind = data_kind.strip() or None
    if kind is not None and kind not in known_kinds:
        errors["data_kind"] = "情報の種類を選び直してください"
        kind = None
    result = outcome.strip() or None
    if result not in (None, "allowed", "denied"):
        errors["outcome"] = "結果を選び直してください"
        result = None
    return HistoryFilter(start, end, kind, result), errors


CONSENT_SOURCES = {
    "MUNICIPALITY_APPLICATION": "申請のときに市区町村で",
    "MUNICIPALITY_RENEWAL": "更新のときに市区町村で",
    "OFFICE_ON_BEHALF": "事業所で（市区町村の代わりに）",
    "PERSON": "ご本人がこのページで",
}

OUTCOME_LABELS = {"allowed": "見ることができた", "denied": "断られた（見られなかった）"}
