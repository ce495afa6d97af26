"""Pure identity rules: 4情報 normalisation and matching, challenge states, refusal messages.

Normalisation folds only differences that are *spellings of the same thing*:

* Unicode NFKC (full-/half-width letters, digits and kana; compatibility ideographs).
* Spaces and the name separator ``・`` are removed.
* A small table of 異体字 (:data:`VARIANTS`): glyph variants of one character that a registry
  and a person may write either way (髙/高, 﨑/崎, 𠮷/吉 …). Distinct characters that are
  merely similar (斎/斉, 花/華) are never folded.
* Kana names only: hiragana → katakana. Small kana (ョ/ヨ) and voicing marks stay significant.
* Addresses only: hyphen-like characters, ヶ/ケ, 丁目・番地・番・号 → hyphens, kanji numerals next
  to those markers → Arabic, ``大字`` dropped, and the prefecture compared only when both
  sides give one.

Matching never relies on normalisation alone: every record that *could* be the person is
counted, and anything but exactly one certain match is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.errors import KibanError

# 異体字 → the form registries usually hold. Every pair is one character in two glyphs.
VARIANTS = {
    "髙": "高",  # はしごだか
    "﨑": "崎",  # たつさき (U+FA11: NFKC leaves it alone)
    "嵜": "崎",
    "𠮷": "吉",  # つちよし (U+20BB7)
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "濱": "浜",
    "濵": "浜",
    "齋": "斎",  # 旧字の斎 (斉 is another character; its old form is 齊)
    "齊": "斉",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "德": "徳",
    "惠": "恵",
    "榮": "栄",
    "眞": "真",
    "冨": "富",
    "峯": "峰",
    "嶋": "島",
    "嶌": "島",
    "槇": "槙",
    "曾": "曽",
    "舘": "館",
}
_VARIANT_TABLE = str.maketrans(VARIANTS)
_SPACES = re.compile(r"[\s・]+")
_HYPHENS = re.compile(r"[‐‑‒–—―−─━﹣]")
_KANA = re.compile(r"[ァ-ヺー゛゜ヽヾ]+")
_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "〇零一二三四五六七八九十百千"
_MARKERS = r"丁目|番地|番(?!町)|号(?!室|棟|館)|条|地割|線"
_NUMERAL_BEFORE_MARKER = re.compile(rf"([{_KANJI_NUMBER}]+)(?=(?:{_MARKERS}|-))")
_NUMERAL_AFTER_HYPHEN = re.compile(rf"(?<=-)([{_KANJI_NUMBER}]+)")
_TO_HYPHEN = re.compile(r"(\d+)(?:丁目|番地|番(?!町)|号(?!室|棟|館))")
_NO_AFTER_NUMBER = re.compile(rf"(?<=[\d-])[のノ](?=[\d{_KANJI_NUMBER}])")
_LOOSE_HYPHEN = re.compile(r"-(?!\d)|(?<!\d)-")
_CHOON_BETWEEN_DIGITS = re.compile(r"(?<=\d)ー(?=\d)")
_PREFECTURE = re.compile("^(" + "|".join(PREFECTURES) + ")")

CHALLENGE_PREFIX = "kkidv1."
CHALLENGE_TTL = dt.timedelta(minutes=5)
METHOD_CARD = "MYNUMBER_CARD"
METHOD_FOUR = "FOUR_ATTRIBUTES"
SEXES = {"1": "男", "2": "女"}


def _base(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text).translate(_VARIANT_TABLE)


def _to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" or c in "ゝゞ" else c for c in text)


def normalize_name(text: str) -> str:
    """A name as written (漢字 or mixed): width, spaces and 異体字 folded; kana kept as is."""
    return _base(text)


def normalize_kana(text: str) -> str:
    """A kana name: as :func:`normalize_name`, and hiragana → katakana."""
    return _to_katakana(_base(text))


def is_kana_name(text: str) -> bool:
    """Whether a name is written in kana only (then it is compared with the registry's カナ)."""
    folded = normalize_kana(text)
    return bool(folded) and bool(_KANA.fullmatch(folded))


def kanji_to_int(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23, 百五 → 105, 一〇 → 10 (positional when no 十百千)."""
    if not any(c in _KANJI_UNITS for c in numeral):
        return int("".join(str(_KANJI_DIGITS[c]) for c in numeral))
    total, digit = 0, None
    for c in numeral:
        if c in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[c]
            digit = None
        else:
            digit = _KANJI_DIGITS[c] if digit is None else digit * 10 + _KANJI_DIGITS[c]
    return total + (digit or 0)


def normalize_address(text: str) -> tuple[str | None, str]:
    """(prefecture or ``None``, the rest) of an address, in a comparable form.

    ``東京都千代田区千代田一丁目１番１号`` → ``("東京都", "千代田区千代田1-1-1")``.
    """
    text = _base(text)
    text = _HYPHENS.sub("-", text)
    text = _CHOON_BETWEEN_DIGITS.sub("-", text)
    text = text.replace("ヶ", "ケ").replace("ヵ", "カ").replace("大字", "")
    text = _NUMERAL_BEFORE_MARKER.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = _TO_HYPHEN.sub(r"\1-", text)
    text = _NO_AFTER_NUMBER.sub("-", text)  # 1番地の2 → 1-2
    text = _NUMERAL_AFTER_HYPHEN.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = _TO_HYPHEN.sub(r"\1-", text)
    text = re.sub(r"-{2,}", "-", text)
    text = _LOOSE_HYPHEN.sub("", text)  # a hyphen counts only between two numbers
    match = _PREFECTURE.match(text)
    if match:
        return match.group(1), text[match.end() :]
    return None, text


def same_address(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    """Equal rest; prefectures must agree when both are given."""
    if a[1] != b[1]:
        return False
    return a[0] is None or b[0] is None or a[0] == b[0]


@dataclass(frozen=True)
class FourAttributes:
    name: str
    birth_date: dt.date
    sex: str
    address: str


@dataclass(frozen=True)
class Candidate:
    """A registry row as far as matching needs it."""

    insurer_no: str
    insured_no: str
    name_kanji: str
    name_kana: str
    birth_date: dt.date
    sex: str
    address: str | None


@dataclass(frozen=True)
class MatchResult:
    status: str  # verified | not_found | ambiguous | incomplete
    insured_no: str | None
    certain: int  # candidates matching on every attribute
    possible: int  # candidates matching on every attribute the registry holds


def compare(query: FourAttributes, candidate: Candidate) -> str:
    """``match`` | ``possible`` (a registry attribute is missing) | ``no``."""
    if query.birth_date != candidate.birth_date or query.sex != candidate.sex:
        return "no"
    results = []
    if is_kana_name(query.name):
        known = candidate.name_kana.strip()
        results.append(normalize_kana(query.name) == normalize_kana(known) if known else None)
    else:
        known = candidate.name_kanji.strip()
        results.append(normalize_name(query.name) == normalize_name(known) if known else None)
    if candidate.address and candidate.address.strip():
        results.append(
            same_address(normalize_address(query.address), normalize_address(candidate.address))
        )
    else:
        results.append(None)
    if False in results:
        return "no"
    return "match" if all(results) else "possible"


def match_four_attributes(query: FourAttributes, candidates: list[Candidate]) -> MatchResult:
    """Verified only with exactly one certain match and no other record that could be the person."""
    outcomes = [(c, compare(query, c)) for c in candidates]
    certain = [c for c, o in outcomes if o == "match"]
    possible = [c for c, o in outcomes if o == "possible"]
    if len(certain) == 1 and not possible:
        return MatchResult("verified", certain[0].insured_no, 1, 0)
    if len(certain) + len(possible) > 1:
        return MatchResult("ambiguous", None, len(certain), len(possible))
    if possible:
        return MatchResult("incomplete", None, 0, len(possible))
    return MatchResult("not_found", None, 0, 0)


def new_challenge_text(token: str) -> str:
    """The text the card signs: a versioned prefix keeps it from meaning anything else."""
    return CHALLENGE_PREFIX + token


def challenge_digest(text: str) -> bytes:
    """SHA-256 of the challenge; the server keeps only this and verifies the signature over it."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def challenge_state(
    expires_at: dt.datetime, consumed_at: dt.datetime | None, now: dt.datetime
) -> str:
    if consumed_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "usable"


MESSAGES = {
    "IDV-OFFICE-ONLY": "本人確認と担当事業所の登録は、介護事業所の職員のみ行えます",
    "IDV-SERVICE-TYPE": "この事業所が提供していないサービス種類です",
    "IDV-PERSON-NOT-FOUND": "指定された被保険者が見つかりません",
    "IDV-PERSON-DISQUALIFIED": "資格を喪失している被保険者のため登録できません",
    "IDV-CHALLENGE-NOT-FOUND": "確認用の文字列 (チャレンジ) が見つかりません。最初からやり直してください",
    "IDV-CHALLENGE-EXPIRED": "確認用の文字列の有効期限 (5分) が切れました。もう一度発行してください",
    "IDV-CHALLENGE-USED": "この確認用の文字列は使用済みです。もう一度発行してください",
    "IDV-CERT-INVALID": "証明書を読み取れません。カードリーダーの出力をそのまま貼り付けてください",
    "IDV-CERT-UNTRUSTED": "信頼できる発行元の電子証明書ではありません",
    "IDV-CERT-EXPIRED": "マイナンバーカードの電子証明書の有効期限が切れています",
    "IDV-CERT-NOT-YET-VALID": "マイナンバーカードの電子証明書の有効期間がまだ始まっていません",
    "IDV-CERT-REVOKED": "マイナンバーカードの電子証明書は失効しています",
    "IDV-CRL-UNAVAILABLE": "失効情報を確認できないため、現在マイナンバーカードで確認できません",
    "IDV-CERT-USAGE": "利用者証明用電子証明書ではありません",
    "IDV-SIGNATURE-INVALID": "署名を確認できません。表示中の確認用の文字列にカードで署名してください",
    "IDV-CARD-NOT-LINKED": "このマイナンバーカードは、指定された被保険者のものとして登録されていません",
    "IDV-4-NOT-FOUND": (
        "入力された4情報 (氏名・生年月日・性別・住所) に一致する被保険者が見つかりません。"
        "入力内容を確認するか、マイナンバーカードで確認してください"
    ),
    "IDV-4-AMBIGUOUS": "複数の候補があるため確認できません。マイナンバーカードで確認してください",
    "IDV-4-INCOMPLETE": (
        "登録されている情報が不足しているため4情報では確認できません。マイナンバーカードで確認してください"
    ),
}

# Codes of pki.chain checks → identity codes (same meaning, said about a My Number card).
CHAIN_CODES = {
    "PKI-CERT-INVALID": "IDV-CERT-INVALID",
    "PKI-CHAIN-UNTRUSTED": "IDV-CERT-UNTRUSTED",
    "PKI-CERT-EXPIRED": "IDV-CERT-EXPIRED",
    "PKI-CERT-NOT-YET-VALID": "IDV-CERT-NOT-YET-VALID",
    "PKI-CERT-REVOKED": "IDV-CERT-REVOKED",
    "PKI-CRL-UNAVAILABLE": "IDV-CRL-UNAVAILABLE",
    "PKI-CERT-USAGE": "IDV-CERT-USAGE",
    "PKI-SIGNATURE-INVALID": "IDV-SIGNATURE-INVALID",
}
FOUR_CODES = {
    "not_found": "IDV-4-NOT-FOUND",
    "ambiguous": "IDV-4-AMBIGUOUS",
    "incomplete": "IDV-4-INCOMPLETE",
}


class IdentityRefused(KibanError):
    """A verification attempt was refused; the attempt itself is on record."""

    code = "IDV-REFUSED"
    http_status = 422

    def __init__(self, code: str, *, details: object = None) -> None:
        super().__init__(MESSAGES[code], code=code, details=details)
