"""4情報 normalisation folds spellings of the same thing, and never merges different things."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.identity.rules import (
    VARIANTS,
    Candidate,
    FourAttributes,
    is_kana_name,
    kanji_to_int,
    match_four_attributes,
    normalize_address,
    normalize_kana,
    normalize_name,
    same_address,
)

BORN = dt.date(1950, 6, 1)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋　太郎", "高橋 太郎"),
        ("山﨑花子", "山崎 花子"),
        ("𠮷田 一郎", "吉田一郎"),
        ("渡邉 一", "渡辺 一"),
        ("齋藤 一", "斎藤 一"),
        ("ＡＢＣ　太郎", "ABC太郎"),
        ("ジョン・スミス", "ジョン スミス"),
    ],
)
def test_same_name_written_differently_is_equal(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("斎藤 一", "斉藤 一"),  # different characters, only similar
        ("花子", "華子"),
        ("山田 はな", "山田 ハナ"),  # a legal name in hiragana is not the one in katakana
        ("太郎", "大郎"),
    ],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("やまだ たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),
        ("さとう　ゆうこ", "サトウユウコ"),
    ],
)
def test_kana_names_fold_hiragana_and_width(a: str, b: str) -> None:
    assert normalize_kana(a) == normalize_kana(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("ショウコ", "シヨウコ"), ("ガク", "カク"), ("ユウコ", "ユウカ"), ("ハナコ", "ハナゴ")],
)
def test_kana_names_keep_small_kana_and_voicing(a: str, b: str) -> None:
    assert normalize_kana(a) != normalize_kana(b)


def test_kana_name_detection() -> None:
    assert is_kana_name("やまだ たろう")
    assert is_kana_name("ﾔﾏﾀﾞ ﾀﾛｰ")
    assert not is_kana_name("山田 たろう")
    assert not is_kana_name("   ")


@pytest.mark.parametrize(
    "written",
    [
        "東京都千代田区千代田一丁目1番1号",
        "東京都千代田区千代田1丁目1番地1",
        "東京都千代田区千代田１－１－１",
        "東京都 千代田区 千代田 1‐1‐1",
        "東京都千代田区千代田1ー1ー1",
        "東京都千代田区千代田一丁目一番一号",
        "千代田区千代田1-1-1",
    ],
)
def test_address_spellings_are_equal(written: str) -> None:
    assert same_address(normalize_address(written), normalize_address("東京都千代田区千代田1-1-1"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("東京都千代田区千代田1-1-1", "東京都千代田区千代田1-1-2"),
        ("東京都千代田区千代田1-12", "東京都千代田区千代田11-2"),
        ("東京都府中市宮町1-1", "広島県府中市宮町1-1"),  # prefectures disagree
        ("宮城県仙台市青葉区一番町1-1", "宮城県仙台市青葉区1-1"),  # 一番町 is a town name
    ],
)
def test_different_addresses_stay_different(a: str, b: str) -> None:
    assert not same_address(normalize_address(a), normalize_address(b))


def test_address_details() -> None:
    assert normalize_address("千代田区霞ヶ関1-1") == normalize_address("千代田区霞ケ関1-1")
    assert normalize_address("岩手県八幡平市大字寺田第二十三地割1番地の2") == (
        "岩手県",
        "八幡平市寺田第23地割1-2",
    )
    assert normalize_address("北海道札幌市中央区北一条西二丁目3番") == (
        "北海道",
        "札幌市中央区北1条西2-3",
    )
    assert normalize_address("長﨑県長崎市1-1")[0] == "長崎県"
    assert normalize_address("大阪府大阪市北区梅田3-1-3 梅田ハイツ101号室") == normalize_address(
        "大阪府大阪市北区梅田三丁目1番3号梅田ハイツ101号室"
    )


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十三", 23),
        ("百五", 105),
        ("一〇", 10),
        ("千二百三十四", 1234),
    ],
)
def test_kanji_numerals(numeral: str, value: int) -> None:
    assert kanji_to_int(numeral) == value


_DIGITS = "〇一二三四五六七八九"


def _kanji(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")) + (
        "" if ones == 0 else _DIGITS[ones]
    )


def _spell(numbers: tuple[int, int, int], style: int) -> str:
    a, b, c = numbers
    if style == 0:
        return f"東京都千代田区神田{_kanji(a)}丁目{b}番{c}号"
    if style == 1:
        return f"千代田区神田{a}-{b}-{c}"
    full = str.maketrans("0123456789-", "０１２３４５６７８９－")
    return f"東京都千代田区神田{a}丁目{b}-{c}".translate(full)


numbers = st.tuples(st.integers(1, 99), st.integers(1, 99), st.integers(1, 99))


@given(numbers, numbers, st.integers(0, 2), st.integers(0, 2))
def test_addresses_are_equal_exactly_when_their_numbers_are(
    x: tuple[int, int, int], y: tuple[int, int, int], style_x: int, style_y: int
) -> None:
    equal = same_address(
        normalize_address(_spell(x, style_x)), normalize_address(_spell(y, style_y))
    )
    assert equal == (x == y)


# Kanji that occur in names and are not old forms in the variant table: never folded.
_PLAIN_KANJI = "山田川本中村小林加藤吉高崎辺沢浜斎斉花華子郎太大一二三美恵和夫"


@given(st.text(_PLAIN_KANJI, min_size=1, max_size=6), st.text(_PLAIN_KANJI, min_size=1, max_size=6))
def test_names_without_variant_characters_are_equal_only_when_identical(a: str, b: str) -> None:
    assert (normalize_name(a) == normalize_name(b)) == (a == b)


@given(
    st.sampled_from(sorted(VARIANTS.items())),
    st.text(_PLAIN_KANJI, min_size=1, max_size=3),
    st.booleans(),
)
def test_two_people_written_with_old_and_new_forms_are_never_told_apart(
    pair: tuple[str, str], rest: str, ask_old: bool
) -> None:
    old, new = pair
    twins = [
        Candidate("131016", "0000000001", old + rest, "カナ", BORN, "1", "千代田区千代田1-1-1"),
        Candidate("131016", "0000000002", new + rest, "カナ", BORN, "1", "千代田区千代田1-1-1"),
    ]
    query = FourAttributes(
        (old if ask_old else new) + rest, BORN, "1", "東京都千代田区千代田一丁目1番1号"
    )

    result = match_four_attributes(query, twins)

    assert (result.status, result.insured_no) == ("ambiguous", None)


@given(st.permutations(range(4)))
def test_result_does_not_depend_on_the_order_of_records(order: list[int]) -> None:
    records = [
        Candidate(
            "131016", "0000000001", "鈴木 花子", "スズキ ハナコ", BORN, "2", "千代田区千代田1-1-1"
        ),
        Candidate(
            "131016", "0000000002", "鈴木 華子", "スズキ ハナコ", BORN, "2", "千代田区千代田1-1-1"
        ),
        Candidate(
            "131016", "0000000003", "鈴木 花子", "スズキ ハナコ", BORN, "2", "千代田区千代田1-1-2"
        ),
        Candidate(
            "131016", "0000000004", "鈴木 花子", "スズキ ハナコ", BORN, "1", "千代田区千代田1-1-1"
        ),
    ]
    shuffled = [records[i] for i in order]
    by_kanji = match_four_attributes(
        FourAttributes("鈴木花子", BORN, "2", "千代田区千代田1-1-1"), shuffled
    )
    by_kana = match_four_attributes(
        FourAttributes("スズキハナコ", BORN, "2", "千代田区千代田1-1-1"), shuffled
    )

    assert (by_kanji.status, by_kanji.insured_no) == ("verified", "0000000001")
    assert (by_kana.status, by_kana.certain) == ("ambiguous", 2)
