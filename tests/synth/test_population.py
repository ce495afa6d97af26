"""The synthetic people look like a Japanese municipality's insured population."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict

from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.synth.generator import COST_CAPS
from kaigo_kiban.synth.names import (
    OUTSIDE_CP932,
    OUTSIDE_JIS_X0208,
    OUTSIDE_JIS_X0213,
    charset_mask,
    name_book,
)
from tests.synth.conftest import BASE, Generated

ISO = BASE.isoformat()
KATAKANA_NAME = re.compile(r"[ァ-ヶー]+\u3000[ァ-ヶー]+")


def _newest(town: Generated) -> dict[str, dict[str, object]]:
    newest: dict[str, dict[str, object]] = {}
    for row in town.rows["insurance_card"]:
        newest[row["insured_no"]] = row  # type: ignore[index]  # rows come in history order
    return newest


def _age(row: dict[str, object]) -> int:
    born = dt.date.fromisoformat(row["birth_date"])  # type: ignore[arg-type]
    return BASE.year - born.year - ((BASE.month, BASE.day) < (born.month, born.day))


def _band(age: int) -> str:
    return "90+" if age >= 90 else f"{age - age % 5}-{age - age % 5 + 4}"


def _share(counter: Counter[str], total: int) -> dict[str, float]:
    return {k: v / total for k, v in counter.items()}


def test_insured_numbers_are_ten_digits_and_unique(town: Generated) -> None:
    people = _newest(town)
    assert len(people) == town.manifest.people
    assert all(re.fullmatch(r"[0-9]{10}", no) for no in people)


def test_age_bands_follow_japans_65_plus_population(town: Generated) -> None:
    ages = [_age(r) for r in _newest(town).values()]
    older = [a for a in ages if a >= 65]
    share = _share(Counter(_band(a) for a in older), len(older))
    expected = {
        "65-69": 0.20,
        "70-74": 0.25,
        "75-79": 0.19,
        "80-84": 0.16,
        "85-89": 0.12,
        "90+": 0.08,
    }
    for band, want in expected.items():
        assert abs(share[band] - want) < 0.015, (band, share[band])
    assert min(ages) >= 40 and max(ages) <= 106


def test_second_insured_are_certified_people_aged_40_to_64(town: Generated) -> None:
    young = [r for r in _newest(town).values() if _age(r) < 65]
    assert 0.02 < len(young) / town.manifest.people < 0.04
    assert all(r["care_level"] for r in young)
    assert len(young) == town.manifest.second_insured


def test_women_are_the_majority_and_more_so_with_age(town: Generated) -> None:
    older = [r for r in _newest(town).values() if _age(r) >= 65]
    female = sum(r["sex"] == "2" for r in older) / len(older)
    assert 0.54 < female < 0.58

    def female_share(lo: int, hi: int) -> float:
        band = [r for r in older if lo <= _age(r) <= hi]
        return sum(r["sex"] == "2" for r in band) / len(band)

    assert female_share(65, 69) < female_share(80, 84) < female_share(90, 120)


def test_about_19_percent_of_65_plus_are_certified_rising_with_age(town: Generated) -> None:
    older = [r for r in _newest(town).values() if _age(r) >= 65]
    rate = sum(bool(r["care_level"]) for r in older) / len(older)
    assert 0.17 < rate < 0.22

    def band_rate(lo: int, hi: int) -> float:
        band = [r for r in older if lo <= _age(r) <= hi]
        return sum(bool(r["care_level"]) for r in band) / len(band)

    assert band_rate(65, 69) < 0.06 < band_rate(75, 79) < band_rate(85, 89) < band_rate(90, 120)


def test_care_level_mix_is_near_the_national_one(town: Generated) -> None:
    levels = Counter(r["care_level"] for r in _newest(town).values() if r["care_level"])
    share = _share(levels, sum(levels.values()))  # type: ignore[arg-type]
    expected = {"12": 14, "13": 14, "21": 21, "22": 17, "23": 13, "24": 12, "25": 8}
    for code, percent in expected.items():
        assert abs(share[code] - percent / 99) < 0.02, (code, share[code])


def test_certified_rows_carry_matching_limits_and_plausible_periods(town: Generated) -> None:
    newest = [r for r in _newest(town).values() if r["care_level"]]
    valid = 0
    for r in town.rows["insurance_card"]:
        if not r["care_level"]:
            assert r["cert_valid_from"] is None and r["benefit_limit_units"] is None
            assert r["plan_office_no"] is None
            continue
        assert r["benefit_limit_units"] == BENEFIT_LIMIT_UNITS[r["care_level"]]  # type: ignore[index]
        start = dt.date.fromisoformat(r["cert_valid_from"])  # type: ignore[arg-type]
        end = dt.date.fromisoformat(r["cert_valid_to"])  # type: ignore[arg-type]
        assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1
        assert (r["limit_valid_from"], r["limit_valid_to"]) == (
            r["cert_valid_from"],
            r["cert_valid_to"],
        )
        if r["plan_kind"] in ("1", "3"):
            assert r["plan_office_no"] in town.manifest.care_mgmt_offices
            assert r["plan_notified_on"] <= r["plan_valid_from"]  # type: ignore[operator]
    for r in newest:
        start = dt.date.fromisoformat(r["cert_valid_from"])  # type: ignore[arg-type]
        assert (BASE.year - start.year) * 12 + BASE.month - start.month <= 38
        valid += r["cert_valid_to"] >= ISO  # type: ignore[operator]
    assert valid / len(newest) > 0.9
    home = [r for r in newest if r["plan_kind"] == "1"]
    assert len(home) / len(newest) > 0.4
    assert all(r["care_level"] >= "21" for r in home)  # type: ignore[operator]


def test_history_rows_chain_without_gaps_or_overlaps(town: Generated) -> None:
    people: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in town.rows["insurance_card"]:
        people[r["insured_no"]].append(r)  # type: ignore[index]
    with_history = 0
    for rows in people.values():
        assert [r["history_no"] for r in rows] == list(range(1, len(rows) + 1))
        assert (rows[0]["change_kind"], rows[0]["change_reason"]) == ("1", "01")
        for older, newer in itertools.pairwise(rows):
            day_after = dt.date.fromisoformat(older["valid_to"]) + dt.timedelta(days=1)  # type: ignore[arg-type]
            assert day_after.isoformat() == newer["valid_from"]
            assert (newer["change_kind"], newer["change_reason"]) in (("2", "99"), ("3", "02"))
            if newer["change_kind"] == "2":
                assert older["cert_valid_to"] < newer["cert_valid_from"]  # type: ignore[operator]
        last = rows[-1]
        assert (last["valid_to"] is None) == (last["disqualified_on"] is None)
        changes = sum(r["change_kind"] == "2" for r in rows)
        with_history += changes > 0
        assert changes <= 2
    certified = sum(bool(rows[-1]["care_level"]) for rows in people.values())
    assert 0.12 < with_history / certified < 0.18
    assert with_history == town.manifest.with_history


def test_lost_qualification_ends_the_card_the_day_before(town: Generated) -> None:
    closing = [r for r in town.rows["insurance_card"] if r["disqualified_on"]]
    assert 0.005 < len(closing) / town.manifest.people < 0.015
    for r in closing:
        assert (r["change_kind"], r["change_reason"]) == ("3", "02")
        lost = dt.date.fromisoformat(r["disqualified_on"])  # type: ignore[arg-type]
        assert r["valid_to"] == (lost - dt.timedelta(days=1)).isoformat()
        assert r["change_date"] == r["disqualified_on"] <= ISO  # type: ignore[operator]


def test_copay_cards_cover_everyone_65_plus_with_the_national_ratio_mix(town: Generated) -> None:
    newest = _newest(town)
    cards = {r["insured_no"]: r for r in town.rows["copay_card"]}
    older = [no for no, r in newest.items() if _age(r) >= 65 and not r["disqualified_on"]]
    assert all(no in cards for no in older)
    share = _share(Counter(cards[no]["ratio"] for no in older), len(older))  # type: ignore[misc]
    assert abs(share["1"] - 0.91) < 0.015
    assert abs(share["2"] - 0.05) < 0.01
    assert abs(share["3"] - 0.04) < 0.01
    young = [no for no in older if _age(newest[no]) < 75]
    young_share = sum(cards[no]["ratio"] != "1" for no in young) / len(young)
    assert young_share > 1 - share["1"]  # higher ratios lean to the younger old
    for card in cards.values():
        assert card["valid_from"] >= "2026-08-01" and card["valid_to"] <= "2027-07-31"  # type: ignore[operator]
        if card["valid_from"] == "2026-08-01":
            assert card["issued_on"].startswith("2026-07-")  # type: ignore[union-attr]


def test_cost_cap_certificates_mostly_for_heavy_care_with_exact_daily_caps(town: Generated) -> None:
    newest = _newest(town)
    certs = town.rows["cost_cap_cert"]
    assert 0.03 < len(certs) / town.manifest.people < 0.05
    heavy = sum(newest[c["insured_no"]]["care_level"] >= "23" for c in certs)  # type: ignore[index,operator]
    assert heavy / len(certs) > 0.6
    columns = (
        "food_cap_yen",
        "food_cap_short_stay_yen",
        "unit_private_yen",
        "unit_semi_private_yen",
        "conventional_private_special_yen",
        "conventional_private_other_yen",
        "multi_bed_yen",
    )
    for c in certs:
        assert newest[c["insured_no"]]["care_level"]  # type: ignore[index]
        assert tuple(c[k] for k in columns) == COST_CAPS[c["stage"]]  # type: ignore[index]
        assert c["valid_to"] == "2027-07-31" or newest[c["insured_no"]]["disqualified_on"]  # type: ignore[index]
    assert {c["stage"] for c in certs} == {"1", "2", "31", "32"}
    assert COST_CAPS["2"][:2] == (390, 600) and COST_CAPS["32"][0] == 1360


def test_reduction_certificates_for_about_half_a_percent(town: Generated) -> None:
    certs = town.rows["reduction_cert"]
    assert 0.003 < len(certs) / town.manifest.people < 0.008
    for c in certs:
        assert (c["benefit_rate_percent"] is None) != (c["reduction_rate_permille"] is None)


def test_addresses_are_plausible_and_couples_share_one(town: Generated) -> None:
    newest = _newest(town).values()
    prefix = "東京都" + town.manifest.insurer_name
    by_address: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in newest:
        assert re.fullmatch(r"[0-9]{3}-[0-9]{4}", r["postal_code"])  # type: ignore[arg-type]
        assert r["address"].startswith(prefix)  # type: ignore[union-attr]
        by_address[r["address"]].append(r)  # type: ignore[index]
    couples = 0
    for group in by_address.values():
        if len(group) == 2 and {g["sex"] for g in group} == {"1", "2"}:
            surnames = {g["name_kanji"].split("\u3000")[0] for g in group}  # type: ignore[union-attr]
            couples += len(surnames) == 1
    assert couples / len(by_address) > 0.1
    assert town.manifest.addresses_outside_jis_x0208 > 0
    assert any("﨑" in a or "髙" in a for a in by_address)


def test_names_are_kanji_with_full_width_katakana_readings(town: Generated) -> None:
    for r in _newest(town).values():
        assert KATAKANA_NAME.fullmatch(r["name_kana"]), r["name_kana"]  # type: ignore[arg-type]
        assert r["name_kanji"].count("\u3000") == 1  # type: ignore[union-attr]
    book = name_book()
    assert len(book.surnames.items) * len(book.given[("2", "old")].items) > 5000


def test_some_names_need_characters_beyond_cp932_and_jis_x0213(town: Generated) -> None:
    m = town.manifest
    newest = _newest(town)
    assert 0.01 <= len(m.outside_jis_x0208_names) / m.people <= 0.025
    assert m.non_cp932_names and m.outside_jis_x0213_names
    for flag, listed in (
        (OUTSIDE_JIS_X0208, m.outside_jis_x0208_names),
        (OUTSIDE_CP932, m.non_cp932_names),
        (OUTSIDE_JIS_X0213, m.outside_jis_x0213_names),
    ):
        actual = [no for no, r in newest.items() if charset_mask(r["name_kanji"]) & flag]  # type: ignore[arg-type]
        assert actual == listed
    names = "".join(newest[no]["name_kanji"] for no in m.outside_jis_x0213_names)  # type: ignore[misc]
    assert "𠮷" in names or "髙" in names


def _one_apart(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def test_near_twins_differ_by_one_character_and_share_the_other_attributes(town: Generated) -> None:
    newest = _newest(town)
    groups = town.manifest.near_twins
    assert 2 <= len(groups) / (town.manifest.people / 1000) <= 8
    assert {g["kind"] for g in groups} == {
        "variant_form",
        "same_reading",
        "sibling",
        "kana_variant",
    }
    for g in groups:
        a, b = (newest[no] for no in g["insured_nos"])  # type: ignore[attr-defined]
        for key in ("birth_date", "sex", "address", "postal_code"):
            assert a[key] == b[key]
        if g["kind"] == "kana_variant":
            assert a["name_kanji"] == b["name_kanji"] and _one_apart(a["name_kana"], b["name_kana"])  # type: ignore[arg-type]
        else:
            assert _one_apart(a["name_kanji"], b["name_kanji"])  # type: ignore[arg-type]
            assert (a["name_kana"] == b["name_kana"]) == (g["kind"] != "sibling")
    variants = [g for g in groups if g["kind"] == "variant_form"]
    pairs = {frozenset(newest[no]["name_kanji"] for no in g["insured_nos"]) for g in variants}  # type: ignore[attr-defined,misc]
    assert any(any(ch in "髙﨑𠮷" for ch in "".join(p)) for p in pairs)  # type: ignore[arg-type]
