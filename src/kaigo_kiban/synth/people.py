"""The synthetic population's vocabulary: rates, people, their card versions, the calendar.

Rates follow the national figures (docs/domain.md §10 and the shares below); dates are day
ordinals until the rows are written. ``population`` draws the people and ``histories`` their
cards, both from one ``random.Random`` so a run is a pure function of its inputs.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from kaigo_kiban.synth.names import FULL_SPACE, NamePart, place_book

Band = tuple[int, int, float, float, float, float, float]
"""An age band: first age, last age, share of 65+, female share, certification rate, 2割, 3割."""

# Japan's 65+ population by age band.
AGE_BANDS: tuple[Band, ...] = (
    (65, 69, 0.20, 0.510, 0.030, 0.065, 0.065),
    (70, 74, 0.25, 0.520, 0.060, 0.060, 0.050),
    (75, 79, 0.19, 0.545, 0.120, 0.050, 0.035),
    (80, 84, 0.16, 0.580, 0.250, 0.040, 0.025),
    (85, 89, 0.12, 0.630, 0.460, 0.030, 0.020),
    (90, 105, 0.08, 0.720, 0.700, 0.020, 0.010),
)
SECOND_INSURED_SHARE = 0.03
"""Share of people who are certified 第2号被保険者 (40–64); they hold a card only when certified."""
CARE_LEVEL_MIX = (
    ("12", 0.14),
    ("13", 0.14),
    ("21", 0.21),
    ("22", 0.17),
    ("23", 0.13),
    ("24", 0.12),
    ("25", 0.08),
)
CERT_PERIOD_MONTHS = ((6, 0.12), (12, 0.33), (24, 0.15), (36, 0.40))
FACILITY_SHARE = {"12": 0.0, "13": 0.0, "21": 0.05, "22": 0.08, "23": 0.30, "24": 0.40, "25": 0.45}
HISTORY_SHARE = 0.16
"""Chance of drawing 1–2 earlier certifications (some are dropped when they would predate
qualification, leaving about 15% of certified people with history)."""
EXPIRED_SHARE = 0.03
DISQUALIFIED_SHARE = 0.01
TWIN_SHARE = 0.004
"""Near-twin groups started per person: a handful per 1,000 people."""
COST_CAP_SHARE = {"23": 0.47, "24": 0.47, "25": 0.47}
COST_CAP_SHARE_LIGHT = 0.06
COST_CAP_STAGES = (("1", 0.10), ("2", 0.35), ("31", 0.25), ("32", 0.30))
REDUCTION_SHARE = 0.005
COUPLE_JOIN = 0.30
COUPLE_OPEN = 0.35
MOVER_SHARE = 0.08
INSURANCE_START = dt.date(2000, 4, 1)
"""介護保険 began on 2000-04-01: nobody qualified earlier."""


@dataclass(slots=True)
class Certification:
    """One 要介護認定 as printed on a 被保険者証 history row."""

    level: str
    start: int
    end: int
    application_kind: str
    applied_on: int
    issued_on: int
    application_status: str = "1"
    plan_kind: str = ""
    plan_office_no: str = ""
    plan_from: int = 0
    plan_notified_on: int = 0


@dataclass(slots=True)
class CardVersion:
    """One 被保険者証 history row (履歴番号 = position + 1)."""

    valid_from: int
    valid_to: int | None
    change_kind: str
    change_reason: str
    issued_on: int
    cert: Certification | None
    disqualified_on: int | None = None


@dataclass(slots=True)
class YearCard:
    """A card valid for one 8/1–7/31 cycle (負担割合証, 負担限度額認定証, 減免減額認定証)."""

    code: str
    valid_from: int
    valid_to: int
    issued_on: int
    benefit_rate: int | None = None
    reduction_permille: int | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """What identity matching sees: name (kanji and kana), birth date, sex, address."""

    sex: str
    birth: int
    age: int
    second_insured: bool
    surname: NamePart
    given: NamePart
    name_kana: str
    postal_code: str
    address: str
    address_mask: int

    @property
    def name_kanji(self) -> str:
        return self.surname.kanji + FULL_SPACE + self.given.kanji

    @property
    def name_mask(self) -> int:
        """Charset flags (``names.OUTSIDE_*``) of the kanji name."""
        return self.surname.mask | self.given.mask


@dataclass(slots=True)
class Person:
    """One insured person and every card row the files will hold for them."""

    insured_no: str
    identity: Identity
    qualified_on: int
    versions: list[CardVersion] = field(default_factory=list)
    address_exception: str = "1"
    facility_insurer_no: str = ""
    benefit_cut: tuple[int, int] | None = None
    copay: YearCard | None = None
    cost_cap: YearCard | None = None
    reduction: YearCard | None = None
    twin_of: str | None = None
    twin_kind: str = ""

    @property
    def care_level(self) -> str:
        """Care level on the newest row ('' when never certified)."""
        cert = self.versions[-1].cert
        return cert.level if cert else ""


@dataclass(frozen=True)
class Municipality:
    """The synthetic insurer: name, prefecture, postal prefix; stable per insurer number."""

    insurer_no: str
    name: str
    prefecture_code: str
    prefecture_name: str
    postal_prefix: str
    default_offices: tuple[str, ...]


def municipality_for(insurer_no: str) -> Municipality:
    """The synthetic municipality of ``insurer_no`` (same for every seed)."""
    places = place_book()
    rng = random.Random(f"kaigo-kiban/synth/municipality/{insurer_no}")
    pref = insurer_no[:2]
    pref_name, postal2 = places.prefectures[pref]
    offices: list[str] = []
    while len(offices) < 5:
        # 事業所番号: prefecture (2) + 7 (介護保険事業所) + 7 digits.
        number = f"{pref}7{rng.randrange(10**7):07d}"
        if number not in offices:
            offices.append(number)
    return Municipality(
        insurer_no=insurer_no,
        name=rng.choice(places.municipality_stems) + "市",
        prefecture_code=pref,
        prefecture_name=pref_name,
        postal_prefix=f"{postal2}{rng.randrange(10)}",
        default_offices=tuple(offices),
    )


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class Calendar:
    """Day ordinals ↔ ``YYYYMMDD`` and month arithmetic, precomputed for speed."""

    def __init__(self, base: dt.date) -> None:
        self.first = dt.date(1900, 1, 1).toordinal()
        last = dt.date(base.year + 8, 12, 31).toordinal()
        self.text: list[str] = []
        self.month: list[int] = []
        self.month_start: dict[int, int] = {}
        for o in range(self.first, last + 1):
            d = dt.date.fromordinal(o)
            self.text.append(f"{d.year:04d}{d.month:02d}{d.day:02d}")
            mi = d.year * 12 + d.month - 1
            self.month.append(mi)
            if d.day == 1:
                self.month_start[mi] = o

    def fmt(self, ordinal: int | None) -> str:
        return "" if ordinal is None else self.text[ordinal - self.first]

    def month_of(self, ordinal: int) -> int:
        return self.month[ordinal - self.first]

    def start_of(self, month_index: int) -> int:
        return self.month_start[month_index]

    def end_of(self, month_index: int) -> int:
        return self.month_start[month_index + 1] - 1
