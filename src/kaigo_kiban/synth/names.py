"""Name and place tables of the synthetic population (data files under ``synth/data``).

Every name here is a common Japanese surname or given name with its reading; a person is an
unlikely combination of them, never a real individual. Old or extended character forms (髙, 﨑,
𠮷, 㓛 …) are listed as variants of the common form so that a realistic small share of people
carry characters outside JIS X 0208, CP932 or even JIS X 0213 — the cases that break naive
Shift_JIS handling and identity matching.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Generic, TypeVar

T = TypeVar("T")

OUTSIDE_JIS_X0208 = 1
"""Character-set flag: some character is not in JIS X 0208 (plain Shift_JIS)."""
OUTSIDE_CP932 = 2
"""Character-set flag: some character is not in CP932 (Windows-31J)."""
OUTSIDE_JIS_X0213 = 4
"""Character-set flag: some character is not in JIS X 0213:2004 (the platform's repertoire)."""

FULL_SPACE = "\u3000"


def charset_mask(text: str) -> int:
    """Flags (``OUTSIDE_*``) of the character sets ``text`` does not fit in."""
    mask = 0
    for codec, flag in (
        ("shift_jis", OUTSIDE_JIS_X0208),
        ("cp932", OUTSIDE_CP932),
        ("shift_jis_2004", OUTSIDE_JIS_X0213),
    ):
        try:
            text.encode(codec)
        except UnicodeEncodeError:
            mask |= flag
    return mask


@dataclass(frozen=True, slots=True)
class NamePart:
    """A surname or given name: kanji form, full-width katakana reading, charset flags."""

    kanji: str
    kana: str
    mask: int


class Weighted(Generic[T]):
    """Items drawn with fixed relative weights, one ``random()`` call per draw."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        items: list[T] = []
        cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight <= 0:
                continue
            total += weight
            items.append(item)
            cum.append(total)
        if not items:
            raise ValueError("empty weighted table")
        self._items = items
        self._cum = cum
        self._total = total

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect.bisect_right(self._cum, rng.random() * self._total)]

    @property
    def items(self) -> Sequence[T]:
        return self._items


def between(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in ``lo..hi`` from one ``random()`` call.

    Several times faster than ``randint``, which matters at a million people; the float's
    53 bits keep it uniform for every range used here (at most 10⁹ values).
    """
    return lo + int(rng.random() * (hi - lo + 1))


def one_of(rng: random.Random, items: Sequence[T]) -> T:
    """A uniformly chosen item (one ``random()`` call)."""
    return items[int(rng.random() * len(items))]


def _rows(name: str) -> list[list[str]]:
    text = resources.files("kaigo_kiban.synth").joinpath("data").joinpath(name).read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _part(kanji: str, kana: str) -> NamePart:
    return NamePart(kanji, kana, charset_mask(kanji))


def _one_char_apart(a: str, b: str) -> bool:
    """Same length, same first character, exactly one other character different."""
    if len(a) != len(b) or len(a) < 2 or a[0] != b[0]:
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _single_diff(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


@dataclass(frozen=True)
class NameBook:
    """Weighted name tables and the pairs that near-twins are built from."""

    surnames: Weighted[NamePart]
    """Every surname form, variants weighted by their share of the base surname."""
    given: dict[tuple[str, str], Weighted[NamePart]]
    """(sex code, generation ``old``/``young``) → given names, variants included."""
    forms: dict[str, tuple[NamePart, ...]]
    """Kanji → the other written forms with the same reading (髙橋 ↔ 高橋, 功 ↔ 㓛)."""
    surnames_with_forms: Weighted[NamePart]
    given_with_forms: dict[tuple[str, str], Weighted[NamePart]]
    same_reading: dict[tuple[str, str], Weighted[tuple[NamePart, NamePart]]]
    """Given names one kanji apart with one reading (和夫/和男, 洋子/陽子)."""
    siblings: dict[tuple[str, str], Weighted[tuple[NamePart, NamePart]]]
    """Given names one kanji apart with different readings (和子/和代, 健一/健二)."""


def _variant_table(name: str) -> dict[str, list[tuple[str, float]]]:
    table: dict[str, list[tuple[str, float]]] = {}
    for base, variant, share in _rows(name):
        table.setdefault(base, []).append((variant, float(share)))
    return table


def _expand(
    base: NamePart, weight: float, variants: dict[str, list[tuple[str, float]]]
) -> list[tuple[NamePart, float]]:
    """The base form and its variants, weights split by the variants' shares."""
    forms = variants.get(base.kanji, [])
    rest = 1.0 - sum(share for _, share in forms)
    out = [(base, weight * rest)]
    out.extend((_part(v, base.kana), weight * share) for v, share in forms)
    return out


@cache
def name_book() -> NameBook:
    """The name tables, loaded once from the package data."""
    surname_variants = _variant_table("surname_variants.tsv")
    given_variants = _variant_table("given_variants.tsv")

    surname_pairs: list[tuple[NamePart, float]] = []
    for kanji, kana, weight in _rows("surnames.tsv"):
        surname_pairs.extend(_expand(_part(kanji, kana), float(weight), surname_variants))

    given_pairs: dict[tuple[str, str], list[tuple[NamePart, float]]] = {}
    for kanji, kana, sex, generation, weight in _rows("given_names.tsv"):
        given_pairs.setdefault((sex, generation), []).extend(
            _expand(_part(kanji, kana), float(weight), given_variants)
        )

    # Written forms of one name share its reading: 高橋/髙橋, 渡辺/渡邊/渡邉, 功/㓛.
    kana_of = {
        p.kanji: p.kana for pairs in (surname_pairs, *given_pairs.values()) for p, _ in pairs
    }
    forms: dict[str, tuple[NamePart, ...]] = {}
    for table in (surname_variants, given_variants):
        for base, variants in table.items():
            family = [_part(k, kana_of[base]) for k in (base, *(v for v, _ in variants))]
            for part in family:
                forms[part.kanji] = tuple(p for p in family if p.kanji != part.kanji)

    def with_forms(pairs: list[tuple[NamePart, float]]) -> Weighted[NamePart]:
        return Weighted((p, w) for p, w in pairs if p.kanji in forms)

    same_reading: dict[tuple[str, str], Weighted[tuple[NamePart, NamePart]]] = {}
    siblings: dict[tuple[str, str], Weighted[tuple[NamePart, NamePart]]] = {}
    for key, pairs in given_pairs.items():
        plain = [(p, w) for p, w in pairs if p.mask == 0]
        same, sib = [], []
        for i, (a, wa) in enumerate(plain):
            for b, wb in plain[i + 1 :]:
                if not _single_diff(a.kanji, b.kanji) or a.kanji in {
                    f.kanji for f in forms.get(b.kanji, ())
                }:
                    continue
                if a.kana == b.kana:
                    same.append(((a, b), wa + wb))
                elif _one_char_apart(a.kanji, b.kanji):
                    sib.append(((a, b), wa + wb))
        if same:
            same_reading[key] = Weighted(same)
        if sib:
            siblings[key] = Weighted(sib)

    return NameBook(
        surnames=Weighted(surname_pairs),
        given={k: Weighted(v) for k, v in given_pairs.items()},
        forms=forms,
        surnames_with_forms=with_forms(surname_pairs),
        given_with_forms={
            k: with_forms(v) for k, v in given_pairs.items() if any(p.kanji in forms for p, _ in v)
        },
        same_reading=same_reading,
        siblings=siblings,
    )


# Kana rewrites that data-entry differences really produce: ズ/ヅ, ジ/ヂ, オオ/オウ, long vowels.
_LONG_VOWEL_BEFORE = frozenset("オコソトノホモヨロゴゾドボポョウクスツヌフムユルグズブプュ")


def kana_variants(kana: str) -> list[str]:
    """Spellings of ``kana`` one character apart that a clerk might have typed instead."""
    out: list[str] = []
    for i, ch in enumerate(kana):
        prev = kana[i - 1] if i else ""
        if ch == "ズ":
            out.append(kana[:i] + "ヅ" + kana[i + 1 :])
        elif ch == "ヅ":
            out.append(kana[:i] + "ズ" + kana[i + 1 :])
        elif ch == "ジ":
            out.append(kana[:i] + "ヂ" + kana[i + 1 :])
        elif ch == "オ" and prev == "オ":
            out.append(kana[:i] + "ウ" + kana[i + 1 :])
        elif ch == "ウ" and prev in _LONG_VOWEL_BEFORE:
            out.append(kana[:i] + "ー" + kana[i + 1 :])
    return out


# --- places ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    style: str
    """``chome`` (N丁目N番N号) or ``banchi`` (N番地N)."""
    mask: int
    index: int


@dataclass(frozen=True)
class PlaceBook:
    prefectures: dict[str, tuple[str, str]]
    """Prefecture code → (name, first two digits of its postal codes)."""
    towns: Weighted[Town]
    municipality_stems: tuple[str, ...]
    buildings: tuple[str, ...]


@cache
def place_book() -> PlaceBook:
    """The place tables, loaded once from the package data."""
    towns = [
        (Town(name, style, charset_mask(name), i), float(weight))
        for i, (name, style, weight) in enumerate(_rows("towns.tsv"))
    ]
    return PlaceBook(
        prefectures={code: (name, postal) for code, name, postal in _rows("prefectures.tsv")},
        towns=Weighted(towns),
        municipality_stems=tuple(r[0] for r in _rows("municipality_stems.tsv")),
        buildings=tuple(r[0] for r in _rows("buildings.tsv")),
    )


_FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = "〇一二三四五六七八九"


def full_width(n: int) -> str:
    """An integer in full-width digits, as 住民基本台帳 exports write house numbers."""
    return str(n).translate(_FULL_DIGITS)


def kanji_number(n: int) -> str:
    """1–99 in kanji numerals (丁目 numbers)."""
    if n < 10:
        return _KANJI_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _KANJI_DIGITS[tens]) + "十" + (_KANJI_DIGITS[ones] if ones else "")
