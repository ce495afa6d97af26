"""Write a synthetic municipality's four card files (and a manifest) in the municipal layout.

Only invented people, ever: names are random combinations of common names, numbers and
addresses are made up. Output is a pure function of (insurer_no, people, seed, base_date,
care_mgmt_offices): the same inputs give byte-identical files.

Files follow ``cards.formats`` exactly (every column, in order), UTF-8, CRLF, a header row of
column identifiers, cells written by ``core.tabular.format_csv_line``, and are named by the
ingest grammar ``<kind>_<insurer_no>_<YYYYMMDDHHMMSS>_001.csv``. The insurance-card file gets
the earliest time stamp because the other three refer to people it registers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kaigo_kiban.cards.formats import COPAY_CARD, COST_CAP_CERT, INSURANCE_CARD, REDUCTION_CERT
from kaigo_kiban.codes.limits import BENEFIT_LIMIT_UNITS
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.ids import is_insurer_no, is_office_no
from kaigo_kiban.core.tabular import Layout, format_csv_line, header_line
from kaigo_kiban.synth.names import OUTSIDE_CP932, OUTSIDE_JIS_X0208, OUTSIDE_JIS_X0213
from kaigo_kiban.synth.people import (
    Calendar,
    Municipality,
    Person,
    municipality_for,
)
from kaigo_kiban.synth.population import Population

DEFAULT_BASE_DATE = dt.date(2026, 10, 1)

COST_CAPS: dict[str, tuple[int, int, int, int, int, int, int]] = {
    # stage: food (facility), food (short stay), unit private, unit semi-private,
    #        conventional private (特養), conventional private (老健・医療院等), multi-bed
    "1": (300, 300, 880, 550, 380, 550, 0),
    "2": (390, 600, 880, 550, 480, 550, 430),
    "31": (650, 1000, 1370, 1370, 880, 1370, 430),
    "32": (1360, 1300, 1370, 1370, 880, 1370, 430),
}
"""Daily 負担限度額 from 2024-08-01 (docs/domain.md §7). The ユニット型個室的多床室 column is not in
that table; its values (550 / 550 / 1,370 / 1,370) are from the MHLW 2024-08 table (secondary)."""

AGE_BAND_LABELS = ("40-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+")


@dataclass
class SynthFile:
    """One written file: its name, data kind and number of data rows (header excluded)."""

    name: str
    kind: str
    rows: int


@dataclass
class SynthManifest:
    """What a run wrote, and the material downstream tests look for."""

    insurer_no: str
    insurer_name: str
    prefecture_code: str
    prefecture_name: str
    seed: int
    people: int
    base_date: str
    files: list[SynthFile] = field(default_factory=list)
    care_levels: dict[str, int] = field(default_factory=dict)
    """Care level on each person's newest 被保険者証 row; ``"none"`` when never certified."""
    copay_ratios: dict[str, int] = field(default_factory=dict)
    cost_cap_stages: dict[str, int] = field(default_factory=dict)
    reduction_kinds: dict[str, int] = field(default_factory=dict)
    sexes: dict[str, int] = field(default_factory=dict)
    age_bands: dict[str, int] = field(default_factory=dict)
    second_insured: int = 0
    with_history: int = 0
    """Certified people with two or more certification rows."""
    disqualified: int = 0
    near_twins: list[dict[str, object]] = field(default_factory=list)
    """Groups of different people with near-identical four attributes: kind + insured numbers."""
    non_cp932_names: list[str] = field(default_factory=list)
    outside_jis_x0213_names: list[str] = field(default_factory=list)
    outside_jis_x0208_names: list[str] = field(default_factory=list)
    addresses_outside_jis_x0208: int = 0
    care_mgmt_offices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --- rows --------------------------------------------------------------------------------------


def _indices(layout: Layout) -> dict[str, int]:
    return {name: i for i, name in enumerate(layout.names)}


_IC = _indices(INSURANCE_CARD)
_CP = _indices(COPAY_CARD)
_CC = _indices(COST_CAP_CERT)
_RC = _indices(REDUCTION_CERT)
_CAP_COLUMNS = (
    "food_cap_yen",
    "food_cap_short_stay_yen",
    "unit_private_yen",
    "unit_semi_private_yen",
    "conventional_private_special_yen",
    "conventional_private_other_yen",
    "multi_bed_yen",
)


class RowWriter:
    """Turns a :class:`Person` into the cells of each card layout."""

    def __init__(self, insurer_no: str, calendar: Calendar) -> None:
        self.insurer_no = insurer_no
        self.fmt = calendar.fmt

    def insurance_card(self, p: Person) -> list[list[str]]:
        fmt = self.fmt
        ic = _IC
        template = [""] * len(_IC)
        template[ic["insurer_no"]] = self.insurer_no
        template[ic["insured_no"]] = p.insured_no
        who = p.identity
        template[ic["name_kana"]] = who.name_kana
        template[ic["birth_date"]] = fmt(who.birth)
        template[ic["sex"]] = who.sex
        template[ic["qualified_on"]] = fmt(p.qualified_on)
        template[ic["address_exception"]] = p.address_exception
        template[ic["facility_insurer_no"]] = p.facility_insurer_no
        template[ic["name_kanji"]] = who.name_kanji
        template[ic["postal_code"]] = who.postal_code
        template[ic["address"]] = who.address
        newest = p.versions[-1].cert
        rows = []
        for history, v in enumerate(p.versions, 1):
            row = template.copy()
            closing = v.disqualified_on is not None
            row[ic["change_date"]] = fmt(v.disqualified_on if closing else v.valid_from)
            row[ic["change_kind"]] = v.change_kind
            row[ic["change_reason"]] = v.change_reason
            row[ic["disqualified_on"]] = fmt(v.disqualified_on)
            row[ic["history_no"]] = str(history)
            row[ic["valid_from"]] = fmt(v.valid_from)
            row[ic["valid_to"]] = fmt(v.valid_to)
            row[ic["issued_on"]] = fmt(v.issued_on)
            c = v.cert
            if c is not None:
                row[ic["application_kind"]] = c.application_kind
                row[ic["application_status"]] = c.application_status
                row[ic["applied_on"]] = fmt(c.applied_on)
                row[ic["care_level"]] = c.level
                row[ic["cert_valid_from"]] = row[ic["limit_valid_from"]] = fmt(c.start)
                row[ic["cert_valid_to"]] = row[ic["limit_valid_to"]] = fmt(c.end)
                row[ic["benefit_limit_units"]] = str(BENEFIT_LIMIT_UNITS[c.level])
                if c.plan_kind:
                    row[ic["plan_kind"]] = c.plan_kind
                    row[ic["plan_office_no"]] = c.plan_office_no
                    row[ic["plan_valid_from"]] = fmt(c.plan_from)
                    row[ic["plan_notified_on"]] = fmt(c.plan_notified_on)
                if c is newest and p.benefit_cut is not None:
                    row[ic["benefit_cut_from"]] = fmt(p.benefit_cut[0])
                    row[ic["benefit_cut_to"]] = fmt(p.benefit_cut[1])
            rows.append(row)
        return rows

    def copay_card(self, p: Person) -> list[str] | None:
        card = p.copay
        if card is None:
            return None
        row = [""] * len(_CP)
        row[_CP["insurer_no"]] = self.insurer_no
        row[_CP["insured_no"]] = p.insured_no
        row[_CP["ratio"]] = card.code
        self._validity(row, _CP, card.valid_from, card.valid_to, card.issued_on)
        return row

    def cost_cap_cert(self, p: Person) -> list[str] | None:
        card = p.cost_cap
        if card is None:
            return None
        row = [""] * len(_CC)
        row[_CC["insurer_no"]] = self.insurer_no
        row[_CC["insured_no"]] = p.insured_no
        row[_CC["stage"]] = card.code
        for name, yen in zip(_CAP_COLUMNS, COST_CAPS[card.code], strict=True):
            row[_CC[name]] = str(yen)
        self._validity(row, _CC, card.valid_from, card.valid_to, card.issued_on)
        return row

    def reduction_cert(self, p: Person) -> list[str] | None:
        card = p.reduction
        if card is None:
            return None
        row = [""] * len(_RC)
        row[_RC["insurer_no"]] = self.insurer_no
        row[_RC["insured_no"]] = p.insured_no
        row[_RC["reduction_kind"]] = card.code
        if card.benefit_rate is not None:
            row[_RC["benefit_rate_percent"]] = str(card.benefit_rate)
        if card.reduction_permille is not None:
            row[_RC["reduction_rate_permille"]] = str(card.reduction_permille)
        self._validity(row, _RC, card.valid_from, card.valid_to, card.issued_on)
        return row

    def _validity(
        self, row: list[str], idx: dict[str, int], valid_from: int, valid_to: int, issued: int
    ) -> None:
        row[idx["history_no"]] = "1"
        row[idx["valid_from"]] = self.fmt(valid_from)
        row[idx["valid_to"]] = self.fmt(valid_to)
        row[idx["issued_on"]] = self.fmt(issued)


# --- public API --------------------------------------------------------------------------------


MAX_PEOPLE = 100_000_000
EARLIEST_BASE_DATE = dt.date(2010, 4, 1)
LATEST_BASE_DATE = dt.date(2150, 12, 31)


def _check(
    insurer_no: str, people: int, base_date: dt.date, care_mgmt_offices: list[str] | None
) -> None:
    if not is_insurer_no(insurer_no):
        raise InvalidInput(
            f"保険者番号が正しくありません (6桁の数字、先頭2桁は都道府県番号 01〜47): {insurer_no}",
            code="SYN-INSURER-NO",
        )
    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInput(
            f"人数は1〜{MAX_PEOPLE:,}の範囲で指定してください: {people}", code="SYN-PEOPLE"
        )
    if not EARLIEST_BASE_DATE <= base_date <= LATEST_BASE_DATE:
        # 介護保険 began in 2000; the calendar tables cover births from 1900.
        raise InvalidInput(
            f"基準日は{EARLIEST_BASE_DATE}〜{LATEST_BASE_DATE}の範囲で指定してください: {base_date}",
            code="SYN-BASE-DATE",
        )
    if care_mgmt_offices is not None:
        bad = [o for o in care_mgmt_offices if not is_office_no(o)]
        if bad or not care_mgmt_offices:
            raise InvalidInput(
                "居宅介護支援事業所番号は10桁の数字で1件以上指定してください",
                code="SYN-OFFICE-NO",
                details=bad,
            )


def _population(
    insurer_no: str,
    seed: int,
    base_date: dt.date,
    care_mgmt_offices: list[str] | None,
) -> tuple[Municipality, Population, list[str]]:
    municipality = municipality_for(insurer_no)
    offices = list(care_mgmt_offices or municipality.default_offices)
    return municipality, Population(municipality, seed, base_date, offices), offices


def iter_people(
    insurer_no: str,
    people: int,
    seed: int,
    *,
    base_date: dt.date = DEFAULT_BASE_DATE,
    care_mgmt_offices: list[str] | None = None,
) -> Iterator[Person]:
    """The synthetic people of a municipality, one at a time (what the files are written from)."""
    _check(insurer_no, people, base_date, care_mgmt_offices)
    _, population, _ = _population(insurer_no, seed, base_date, care_mgmt_offices)
    return population.people(people)


def iter_insurance_card_rows(
    insurer_no: str,
    people: int,
    seed: int,
    *,
    base_date: dt.date = DEFAULT_BASE_DATE,
    care_mgmt_offices: list[str] | None = None,
) -> Iterator[list[str]]:
    """Cells of every 被保険者証 row, in file order — exactly the data rows
    ``generate_municipality`` writes for the same arguments (one or more rows per person)."""
    _check(insurer_no, people, base_date, care_mgmt_offices)
    _, population, _ = _population(insurer_no, seed, base_date, care_mgmt_offices)
    writer = RowWriter(insurer_no, population.cal)
    for person in population.people(people):
        yield from writer.insurance_card(person)


def file_name(kind: str, insurer_no: str, base_date: dt.date, order: int) -> str:
    """``<kind>_<insurer_no>_<base_date 01:0N:00>_001.csv`` (N = ``order``)."""
    return f"{kind}_{insurer_no}_{base_date:%Y%m%d}01{order:02d}00_001.csv"


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest goes: next to the data directory, not in it (``<out>.manifest.json``)."""
    return out_dir.parent / f"{out_dir.name}.manifest.json"


def generate_municipality(
    insurer_no: str,
    people: int,
    seed: int,
    out_dir: Path,
    *,
    base_date: dt.date = DEFAULT_BASE_DATE,
    care_mgmt_offices: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SynthManifest:
    """Write the four card files of a synthetic municipality to ``out_dir``, and its manifest
    apart from them (:func:`manifest_path`), so ``ingest out_dir/*`` takes the data files only.

    Streams people to the files, so memory does not grow with ``people`` (apart from the
    manifest's short lists). ``progress`` is called with the number of people written so far
    every 10,000 people and at the end.
    """
    _check(insurer_no, people, base_date, care_mgmt_offices)
    municipality, population, offices = _population(insurer_no, seed, base_date, care_mgmt_offices)
    writer = RowWriter(insurer_no, population.cal)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = SynthManifest(
        insurer_no=insurer_no,
        insurer_name=municipality.name,
        prefecture_code=municipality.prefecture_code,
        prefecture_name=municipality.prefecture_name,
        seed=seed,
        people=people,
        base_date=base_date.isoformat(),
        care_mgmt_offices=offices,
    )
    layouts = (INSURANCE_CARD, COPAY_CARD, COST_CAP_CERT, REDUCTION_CERT)
    names = [file_name(lay.kind, insurer_no, base_date, i) for i, lay in enumerate(layouts)]
    handles = [
        (out_dir / name).open("w", encoding="utf-8", newline="", buffering=1 << 20)
        for name in names
    ]
    counts = [0, 0, 0, 0]
    levels: Counter[str] = Counter()
    ratios: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    reductions: Counter[str] = Counter()
    sexes: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    twins: dict[str, dict[str, object]] = {}
    try:
        for handle, layout in zip(handles, layouts, strict=True):
            handle.write(header_line(layout) + "\r\n")
        w_ic, w_cp, w_cc, w_rc = (h.write for h in handles)
        for n, p in enumerate(population.people(people), 1):
            rows = writer.insurance_card(p)
            w_ic("".join(format_csv_line(r) + "\r\n" for r in rows))
            counts[0] += len(rows)
            if (row := writer.copay_card(p)) is not None:
                w_cp(format_csv_line(row) + "\r\n")
                counts[1] += 1
                ratios[row[_CP["ratio"]]] += 1
            if (row := writer.cost_cap_cert(p)) is not None:
                w_cc(format_csv_line(row) + "\r\n")
                counts[2] += 1
                stages[row[_CC["stage"]]] += 1
            if (row := writer.reduction_cert(p)) is not None:
                w_rc(format_csv_line(row) + "\r\n")
                counts[3] += 1
                reductions[row[_RC["reduction_kind"]]] += 1
            _tally(manifest, p, levels, sexes, bands, twins)
            if progress is not None and n % 10_000 == 0:
                progress(n)
    finally:
        for handle in handles:
            handle.close()
    if progress is not None:
        progress(people)

    manifest.files = [
        SynthFile(name, layout.kind, rows)
        for name, layout, rows in zip(names, layouts, counts, strict=True)
    ]
    manifest.care_levels = _sorted(levels)
    manifest.copay_ratios = _sorted(ratios)
    manifest.cost_cap_stages = _sorted(stages)
    manifest.reduction_kinds = _sorted(reductions)
    manifest.sexes = _sorted(sexes)
    manifest.age_bands = {label: bands[label] for label in AGE_BAND_LABELS}
    manifest.near_twins = list(twins.values())
    manifest_path(out_dir).write_text(
        json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _tally(
    manifest: SynthManifest,
    p: Person,
    levels: Counter[str],
    sexes: Counter[str],
    bands: Counter[str],
    twins: dict[str, dict[str, object]],
) -> None:
    levels[p.care_level or "none"] += 1
    who = p.identity
    sexes[who.sex] += 1
    bands[_band(who.age)] += 1
    manifest.second_insured += who.second_insured
    certs = sum(v.cert is not None and v.disqualified_on is None for v in p.versions)
    manifest.with_history += certs > 1
    manifest.disqualified += p.versions[-1].disqualified_on is not None
    if mask := who.name_mask:
        if mask & OUTSIDE_CP932:
            manifest.non_cp932_names.append(p.insured_no)
        if mask & OUTSIDE_JIS_X0213:
            manifest.outside_jis_x0213_names.append(p.insured_no)
        if mask & OUTSIDE_JIS_X0208:
            manifest.outside_jis_x0208_names.append(p.insured_no)
    if who.address_mask & OUTSIDE_JIS_X0208:
        manifest.addresses_outside_jis_x0208 += 1
    if p.twin_of is not None:
        group = twins.setdefault(p.twin_of, {"kind": p.twin_kind, "insured_nos": [p.twin_of]})
        group["insured_nos"].append(p.insured_no)  # type: ignore[union-attr]


def _band(age: int) -> str:
    if age < 65:
        return "40-64"
    if age >= 90:
        return "90+"
    lo = age - age % 5
    return f"{lo}-{lo + 4}"


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))
