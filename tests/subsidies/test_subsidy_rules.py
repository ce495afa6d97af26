"""Subsidy rules of docs/domain.md §8: caps, reader limits, bundling, medical rates, rounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.subsidies.categories import CATEGORY_LIMITS, SERVICE_TYPES, ServiceCategory
from kaigo_kiban.subsidies.rules import (
    DEFAULT_ROUNDS,
    ItemKind,
    SubsidyItem,
    SubsidyRound,
    check_rounds,
    estimate_medical_subsidy,
    estimate_office_subsidy,
    estimate_subsidy,
    is_application_open,
    medical_terms,
    next_round,
    office_categories,
    open_round,
    service_type_entry,
)

READER = ItemKind.CARD_READER
CONNECTION = ItemKind.CONNECTION_SUPPORT
SETUP = ItemKind.CAREPLAN_SETUP_SUPPORT
OPINION = ItemKind.OPINION_SENDING

VISIT, RESIDENTIAL, OTHER = "11", "51", "43"  # one type per category


def codes(result):
    return [r.code for r in result.reasons]


def connection(yen: int) -> SubsidyItem:
    return SubsidyItem(CONNECTION, yen)


# --- the service-type table ---------------------------------------------------------------


def test_every_type_listed_in_domain_is_in_the_table():
    listed = [
        *("11", "12", "13", "14", "15", "16", "17", "21", "22", "23", "2A", "31", "71", "76"),
        *("72", "78", "73", "68", "77", "79", "27", "28", "38"),
        *("62", "63", "64", "66", "67", "24", "25", "26", "2B", "34", "74", "75", "69", "39"),
        *("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"),
        *("33", "36", "32", "41", "42", "51", "52", "53", "54", "59", "81", "35", "37", "44"),
        *("45", "43"),
    ]
    table = {entry.code for entry in SERVICE_TYPES}
    assert set(listed) <= table


def test_table_codes_are_unique_and_well_formed():
    table = [entry.code for entry in SERVICE_TYPES]
    assert len(table) == len(set(table))
    assert all(service_type_entry(code).code == code for code in table)
    assert all(entry.basis in {"name", "inferred"} for entry in SERVICE_TYPES)


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("11", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("15", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("21", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("2A", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("A1", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("A8", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("73", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("75", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("77", ServiceCategory.VISIT_DAY_SHORT_STAY),
        ("32", ServiceCategory.RESIDENTIAL),
        ("37", ServiceCategory.RESIDENTIAL),
        ("33", ServiceCategory.RESIDENTIAL),
        ("35", ServiceCategory.RESIDENTIAL),
        ("51", ServiceCategory.RESIDENTIAL),
        ("54", ServiceCategory.RESIDENTIAL),
        ("43", ServiceCategory.OTHER),
        ("17", ServiceCategory.OTHER),
        ("59", None),
    ],
)
def test_service_type_maps_to_its_category(code, category):
    assert service_type_entry(code).category is category


def test_docs_table_matches_the_code_table():
    docs = (Path(__file__).parents[2] / "docs" / "subsidy-rules.md").read_text(encoding="utf-8")
    for entry in SERVICE_TYPES:
        category = entry.category.value if entry.category else "対象外"
        basis = "名称" if entry.basis == "name" else "推定"
        assert f"| {entry.code} | {entry.name} | {category} | {basis} |" in docs, entry.code


@pytest.mark.parametrize("bad", ["1", "111", "a1", "ZZ", "", 11])
def test_malformed_or_unknown_service_type_is_rejected(bad):
    with pytest.raises(InvalidInput) as exc:
        estimate_office_subsidy([bad], [])
    assert exc.value.details["field"] == "service_types[0]"


def test_office_without_service_types_is_rejected():
    with pytest.raises(InvalidInput, match="service_types"):
        estimate_office_subsidy([], [connection(1000)])


# --- care offices: caps per category --------------------------------------------------------


@pytest.mark.parametrize(
    ("service_type", "cap"), [(VISIT, 64_000), (RESIDENTIAL, 55_000), (OTHER, 42_000)]
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_office_cap_boundary_per_category(service_type, cap, delta):
    result = estimate_office_subsidy([service_type], [connection(cap + delta)])
    assert result.cap_yen == cap
    assert result.eligible_cost_yen == cap + delta
    assert result.grant_yen == min(cap, cap + delta)
    assert ("PT-CAP-APPLIED" in codes(result)) is (delta > 0)


def test_rate_is_ten_tenths_below_the_cap():
    result = estimate_office_subsidy([VISIT], [SubsidyItem(READER, 9_900, 3), connection(33_000)])
    assert (result.eligible_cost_yen, result.grant_yen, result.reasons) == (42_900, 42_900, ())


@pytest.mark.parametrize(
    ("types", "cap", "readers"),
    [
        ([VISIT, RESIDENTIAL], 119_000, 5),
        ([VISIT, OTHER], 106_000, 4),
        ([RESIDENTIAL, OTHER], 97_000, 3),
        ([VISIT, RESIDENTIAL, OTHER], 161_000, 6),
    ],
)
def test_several_categories_sum_caps_and_reader_allowances(types, cap, readers):
    over = SubsidyItem(READER, 10_000 * (readers + 1), readers + 1)
    result = estimate_office_subsidy(types, [over, connection(200_000)])
    assert result.cap_yen == cap
    assert result.grant_yen == cap
    assert result.eligible_cost_yen == 10_000 * readers + 200_000


def test_same_category_twice_counts_once():
    result = estimate_office_subsidy(["11", "15", "21", "A1"], [connection(100_000)])
    assert result.cap_yen == 64_000
    assert office_categories(["11", "15"])[0] == (ServiceCategory.VISIT_DAY_SHORT_STAY,)


def test_type_without_category_adds_no_cap_and_says_so():
    result = estimate_office_subsidy(["51", "59"], [connection(60_000)])
    assert result.cap_yen == 55_000
    assert codes(result) == ["PT-TYPE-NO-CATEGORY", "PT-CAP-APPLIED"]


def test_office_with_only_uncategorised_types_gets_nothing():
    result = estimate_office_subsidy(["59"], [SubsidyItem(READER, 5_000), connection(1_000)])
    assert (result.cap_yen, result.grant_yen) == (0, 0)
    assert "PT-READER-LIMIT" in codes(result)


# --- readers beyond the allowance ----------------------------------------------------------


@pytest.mark.parametrize(("service_type", "allowed"), [(VISIT, 3), (RESIDENTIAL, 2), (OTHER, 1)])
def test_readers_up_to_the_allowance_count_in_full(service_type, allowed):
    result = estimate_office_subsidy(
        [service_type], [SubsidyItem(READER, 3_000 * allowed, allowed)]
    )
    assert result.eligible_cost_yen == 3_000 * allowed
    assert result.reasons == ()


@pytest.mark.parametrize(("service_type", "allowed"), [(VISIT, 3), (RESIDENTIAL, 2), (OTHER, 1)])
def test_too_many_readers_count_pro_rata(service_type, allowed):
    result = estimate_office_subsidy(
        [service_type], [SubsidyItem(READER, 3_000 * (allowed + 2), allowed + 2)]
    )
    assert result.eligible_cost_yen == 3_000 * allowed
    assert codes(result) == ["PT-READER-LIMIT"]
    assert f"{allowed}台まで" in result.reasons[0].message


def test_pro_rata_truncates_the_fraction_of_a_yen():
    # 10,000 yen for 3 readers, 1 allowed: 3,333.33… counts as 3,333.
    result = estimate_office_subsidy([OTHER], [SubsidyItem(READER, 10_000, 3)])
    assert result.eligible_cost_yen == 3_333


def test_dearest_readers_count_first_whatever_the_line_order():
    cheap, dear = SubsidyItem(READER, 2_000, 1), SubsidyItem(READER, 9_000, 2)
    for order in ([cheap, dear], [dear, cheap]):
        result = estimate_office_subsidy([RESIDENTIAL], order)
        assert result.eligible_cost_yen == 9_000


# --- care-plan setup support needs ② ------------------------------------------------------


def test_setup_support_with_connection_support_counts():
    result = estimate_office_subsidy([OTHER], [connection(20_000), SubsidyItem(SETUP, 10_000)])
    assert (result.eligible_cost_yen, result.grant_yen, result.reasons) == (30_000, 30_000, ())


def test_setup_support_alone_is_excluded_with_a_reason():
    result = estimate_office_subsidy(
        [OTHER], [SubsidyItem(READER, 5_000), SubsidyItem(SETUP, 10_000)]
    )
    assert (result.eligible_cost_yen, result.grant_yen) == (5_000, 5_000)
    assert codes(result) == ["PT-SETUP-WITHOUT-CONNECTION"]
    assert "接続サポート" in result.reasons[0].message


def test_setup_support_shares_the_cap_with_readers_and_connection():
    result = estimate_office_subsidy([OTHER], [connection(40_000), SubsidyItem(SETUP, 10_000)])
    assert (result.eligible_cost_yen, result.grant_yen) == (50_000, 42_000)


def test_opinion_item_is_not_an_office_cost():
    result = estimate_office_subsidy([VISIT], [SubsidyItem(OPINION, 50_000), connection(1)])
    assert (result.eligible_cost_yen, codes(result)) == (1, ["PT-ITEM-NOT-ELIGIBLE"])


# --- medical institutions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("beds", "rate", "cap"),
    [
        (0, (3, 4), 398_000),
        (19, (3, 4), 398_000),
        (20, (3, 4), 398_000),
        (199, (3, 4), 398_000),
        (200, (1, 2), 550_000),
        (900, (1, 2), 550_000),
    ],
)
def test_medical_rate_and_cap_follow_the_bed_count(beds, rate, cap):
    terms = medical_terms(beds)
    assert (terms.rate.numerator, terms.rate.denominator, terms.cap_yen) == (*rate, cap)


def test_clinic_and_hospital_labels_differ():
    assert medical_terms(19).label == "診療所"
    assert medical_terms(20).label == "199床以下の病院"


@pytest.mark.parametrize(
    ("beds", "cost", "grant", "capped"),
    [
        (199, 530_666, 397_999, False),  # 397,999.5 truncated
        (199, 530_667, 398_000, False),  # 398,000.25 → exactly the cap
        (199, 530_668, 398_000, True),  # 398,001 → capped
        (0, 530_668, 398_000, True),
        (200, 1_099_999, 549_999, False),
        (200, 1_100_000, 550_000, False),
        (200, 1_100_001, 550_000, False),  # 550,000.5 truncates to the cap, no cap applied
        (200, 1_100_002, 550_000, True),
    ],
)
def test_medical_grant_is_floor_of_rate_then_cap(beds, cost, grant, capped):
    result = estimate_medical_subsidy(beds, [SubsidyItem(OPINION, cost)])
    assert (result.eligible_cost_yen, result.grant_yen) == (cost, grant)
    assert "PT-RATE-APPLIED" in codes(result)
    assert ("PT-CAP-APPLIED" in codes(result)) is capped


def test_office_items_are_not_medical_costs():
    result = estimate_medical_subsidy(
        50, [SubsidyItem(READER, 10_000), connection(10_000), SubsidyItem(OPINION, 100)]
    )
    assert (result.eligible_cost_yen, result.grant_yen) == (100, 75)
    assert codes(result).count("PT-ITEM-NOT-ELIGIBLE") == 2


def test_medical_applicant_needs_beds():
    with pytest.raises(InvalidInput) as exc:
        estimate_subsidy("medical", [SubsidyItem(OPINION, 100)])
    assert exc.value.details["field"] == "beds"


# --- zero and invalid input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "estimate",
    [lambda: estimate_office_subsidy([VISIT], []), lambda: estimate_medical_subsidy(5, [])],
)
def test_zero_items_give_zero_with_a_reason(estimate):
    result = estimate()
    assert (result.eligible_cost_yen, result.grant_yen, codes(result)) == (0, 0, ["PT-NO-ITEMS"])


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (SubsidyItem(CONNECTION, -1), "items[0].amount_yen"),
        (SubsidyItem(CONNECTION, 100, 0), "items[0].quantity"),
        (SubsidyItem(CONNECTION, 100, -2), "items[0].quantity"),
        (SubsidyItem(CONNECTION, 1.5), "items[0].amount_yen"),  # type: ignore[arg-type]
        (SubsidyItem(CONNECTION, True), "items[0].amount_yen"),  # type: ignore[arg-type]
        (SubsidyItem("scanner", 100), "items[0].kind"),  # type: ignore[arg-type]
    ],
)
def test_invalid_item_is_rejected_naming_the_field(item, field):
    with pytest.raises(InvalidInput) as exc:
        estimate_office_subsidy([VISIT], [item])
    assert exc.value.details["field"] == field
    assert field in exc.value.message


@pytest.mark.parametrize("beds", [-1, 1.5, "10", True])
def test_invalid_beds_are_rejected(beds):
    with pytest.raises(InvalidInput, match="beds"):
        estimate_medical_subsidy(beds, [])


def test_unknown_applicant_is_rejected():
    with pytest.raises(InvalidInput, match="applicant"):
        estimate_subsidy("pharmacy", [])


# --- properties -------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=2_000_000)
office_items = st.lists(
    st.builds(
        SubsidyItem,
        st.sampled_from([READER, CONNECTION, SETUP, OPINION]),
        amounts,
        st.integers(min_value=1, max_value=8),
    ),
    max_size=6,
)
type_sets = st.lists(st.sampled_from([e.code for e in SERVICE_TYPES]), min_size=1, max_size=4)


@given(type_sets, office_items)
def test_office_grant_never_exceeds_cost_or_cap(types, items):
    result = estimate_office_subsidy(types, items)
    assert 0 <= result.grant_yen <= result.eligible_cost_yen
    assert result.grant_yen <= result.cap_yen
    assert result.eligible_cost_yen <= sum(it.amount_yen for it in items)


@given(type_sets, office_items.filter(bool), st.data())
def test_office_grant_is_monotone_in_any_line_cost(types, items, data):
    i = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    more = data.draw(st.integers(min_value=0, max_value=500_000))
    raised = [*items]
    raised[i] = SubsidyItem(items[i].kind, items[i].amount_yen + more, items[i].quantity)
    before, after = estimate_office_subsidy(types, items), estimate_office_subsidy(types, raised)
    assert after.eligible_cost_yen >= before.eligible_cost_yen
    assert after.grant_yen >= before.grant_yen


@given(type_sets, office_items)
def test_office_result_does_not_depend_on_line_order(types, items):
    forward = estimate_office_subsidy(types, items)
    backward = estimate_office_subsidy(types, items[::-1])
    assert (forward.eligible_cost_yen, forward.grant_yen) == (
        backward.eligible_cost_yen,
        backward.grant_yen,
    )


@given(st.integers(min_value=0, max_value=2_000), amounts, amounts)
def test_medical_grant_bounded_and_monotone(beds, cost, more):
    low = estimate_medical_subsidy(beds, [SubsidyItem(OPINION, cost)])
    high = estimate_medical_subsidy(beds, [SubsidyItem(OPINION, cost + more)])
    for result in (low, high):
        assert 0 <= result.grant_yen <= result.eligible_cost_yen
        assert result.grant_yen <= result.cap_yen
    assert high.grant_yen >= low.grant_yen


def test_category_limits_are_the_published_ones():
    assert {c.value: (lim.readers, lim.cap_yen) for c, lim in CATEGORY_LIMITS.items()} == {
        "訪問・通所・短期滞在系": (3, 64_000),
        "居住・入所系": (2, 55_000),
        "その他": (1, 42_000),
    }


# --- application rounds ---------------------------------------------------------------------

D = dt.date


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2025, 9, 30), None),
        (D(2025, 10, 1), "令和7年度"),
        (D(2026, 3, 13), "令和7年度"),
        (D(2026, 3, 14), None),
        (D(2026, 5, 6), None),
        (D(2026, 5, 7), "令和8年度"),
        (D(2027, 3, 12), "令和8年度"),
        (D(2027, 3, 13), None),
    ],
)
def test_default_rounds_include_both_ends(day, name):
    found = open_round(day)
    assert (found.name if found else None) == name
    assert is_application_open(day) is (name is not None)


def test_next_round_between_rounds_and_after_the_last():
    assert next_round(D(2026, 3, 14)) == DEFAULT_ROUNDS[1]
    assert next_round(D(2027, 3, 13)) is None


def test_rounds_are_configurable():
    special = SubsidyRound("特別", D(2028, 1, 1), D(2028, 1, 31))
    assert open_round(D(2028, 1, 15), [special]) == special
    assert open_round(D(2028, 1, 15)) is None


def test_round_closing_before_it_opens_is_rejected():
    with pytest.raises(InvalidInput, match="closes_on"):
        SubsidyRound("逆", D(2026, 2, 1), D(2026, 1, 31))


def test_overlapping_rounds_are_rejected():
    a = SubsidyRound("A", D(2026, 1, 1), D(2026, 1, 31))
    b = SubsidyRound("B", D(2026, 1, 31), D(2026, 2, 28))
    with pytest.raises(InvalidInput, match="重なって"):
        check_rounds([b, a])
    with pytest.raises(InvalidInput):
        open_round(D(2026, 1, 10), [a, b])
