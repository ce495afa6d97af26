"""The synthetic population: who lives in the municipality, drawn one person at a time.

People come from one ``random.Random`` so a run is a pure function of its inputs, and memory
stays flat however many people are asked for: only a few dozen open households and pending
near-twins are held at any time.

Structure kept realistic on purpose, because downstream code is tested against it: couples at
one address, and near-twins (same birth date, sex and address; names one kanji or kana apart)
for identity matching.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace

from kaigo_kiban.synth.histories import CardHistories
from kaigo_kiban.synth.names import (
    FULL_SPACE,
    NameBook,
    NamePart,
    Weighted,
    between,
    full_width,
    kana_variants,
    kanji_number,
    name_book,
    one_of,
    place_book,
)
from kaigo_kiban.synth.people import (
    AGE_BANDS,
    COUPLE_JOIN,
    COUPLE_OPEN,
    SECOND_INSURED_SHARE,
    TWIN_SHARE,
    Calendar,
    Identity,
    Municipality,
    Person,
    years_before,
)


@dataclass(slots=True)
class _Household:
    birth_year: int
    surname: NamePart
    postal_code: str
    address: str
    mask: int


@dataclass(slots=True)
class _TwinSpec:
    original: str
    kind: str
    identity: Identity


class Population:
    """Draws the people of one synthetic municipality, one at a time."""

    def __init__(
        self,
        municipality: Municipality,
        seed: int,
        base_date: dt.date,
        offices: list[str],
    ) -> None:
        self.m = municipality
        self.rng = random.Random(seed)
        self.cal = Calendar(base_date)
        self.cards = CardHistories(municipality, self.rng, base_date, self.cal, offices)
        self.names: NameBook = name_book()
        self.places = place_book()
        self.bands = Weighted((band, band[2]) for band in AGE_BANDS)
        self.birth_range = {a: self._birth_range(base_date, a) for a in range(40, 106)}
        self.households: dict[str, deque[_Household]] = {s: deque(maxlen=64) for s in "12"}
        self.pending: list[tuple[int, int, _TwinSpec]] = []
        self.twin_seq = 0
        self.postal_base = between(self.rng, 0, 9999)

    @staticmethod
    def _birth_range(base: dt.date, age: int) -> tuple[int, int]:
        hi = years_before(base, age).toordinal()
        lo = years_before(base, age + 1).toordinal() + 1
        return lo, hi

    # --- the stream ---------------------------------------------------------------------------

    def people(self, count: int) -> Iterator[Person]:
        """``count`` people with unique, increasing 被保険者番号."""
        rng = self.rng
        if count > 10**9:
            raise ValueError("people must be at most 1,000,000,000")
        number = between(rng, 1, 10**9 - 1)
        pending = self.pending
        for i in range(count):
            left = count - i
            number += 2 if rng.random() < 0.05 else 1
            insured_no = f"{number:010d}"
            if pending and (pending[0][0] <= i or len(pending) >= left):
                spec = heapq.heappop(pending)[2]
                yield self._twin(insured_no, spec)
            else:
                yield self._new_person(insured_no, i, can_twin=len(pending) + 1 < left)

    def _new_person(self, insured_no: str, index: int, *, can_twin: bool) -> Person:
        rng = self.rng
        second = rng.random() < SECOND_INSURED_SHARE
        if second:
            # 41+ so that qualification (the day before the 40th birthday) leaves room for a
            # certification before base_date; older ages are certified more often.
            age = 41 + min(23, int(rng.triangular(0, 24, 24)))
            band = None
            sex = "2" if rng.random() < 0.45 else "1"
        else:
            band = self.bands.pick(rng)
            if band[0] == 90:
                age = 90
                while age < 105 and rng.random() < 0.8:
                    age += 1
            else:
                age = between(rng, band[0], band[1])
            sex = "2" if rng.random() < band[3] else "1"
        lo, hi = self.birth_range[age]
        birth = between(rng, lo, hi)
        generation = "young" if age < 65 else "old"
        names = self.names

        twin_kind = ""
        if can_twin and rng.random() < TWIN_SHARE:
            twin_kind, surname, given, kana, twin_surname, twin_given, twin_kana = self._twin_names(
                sex, generation
            )
        else:
            surname = names.surnames.pick(rng)
            given = names.given[(sex, generation)].pick(rng)
            kana = surname.kana + FULL_SPACE + given.kana

        joined = None
        if not twin_kind and rng.random() < COUPLE_JOIN:
            joined = self._join_household(sex, birth)
        if joined is not None:
            surname = joined.surname
            kana = surname.kana + FULL_SPACE + given.kana
            postal, address, address_mask = joined.postal_code, joined.address, joined.mask
        else:
            postal, address, address_mask = self._address()
            if rng.random() < COUPLE_OPEN:
                year = dt.date.fromordinal(birth).year
                self.households[sex].append(
                    _Household(year, surname, postal, address, address_mask)
                )

        identity = Identity(
            sex, birth, age, second, surname, given, kana, postal, address, address_mask
        )
        person = self.cards.person(insured_no, identity, band)
        if twin_kind:
            twin = replace(identity, surname=twin_surname, given=twin_given, name_kana=twin_kana)
            spec = _TwinSpec(insured_no, twin_kind, twin)
            self.twin_seq += 1
            heapq.heappush(self.pending, (index + between(rng, 1, 40), self.twin_seq, spec))
        return person

    def _twin(self, insured_no: str, spec: _TwinSpec) -> Person:
        identity = spec.identity
        band = None
        if not identity.second_insured:
            band = next(b for b in AGE_BANDS if b[0] <= identity.age <= b[1])
        person = self.cards.person(insured_no, identity, band)
        person.twin_of = spec.original
        person.twin_kind = spec.kind
        return person

    def _twin_names(
        self, sex: str, generation: str
    ) -> tuple[str, NamePart, NamePart, str, NamePart, NamePart, str]:
        """Names of an original and its near-twin: (kind, s, g, kana, twin s, twin g, kana)."""
        rng = self.rng
        names = self.names
        key = (sex, generation)
        roll = rng.random()
        if roll < 0.25 and key in names.same_reading:
            a, b = names.same_reading[key].pick(rng)
            if rng.random() < 0.5:
                a, b = b, a
            s = names.surnames.pick(rng)
            return ("same_reading", s, a, _kana(s, a), s, b, _kana(s, b))
        if roll < 0.40 and key in names.siblings:
            a, b = names.siblings[key].pick(rng)
            s = names.surnames.pick(rng)
            return ("sibling", s, a, _kana(s, a), s, b, _kana(s, b))
        if roll < 0.60:
            for _ in range(8):
                s = names.surnames.pick(rng)
                g = names.given[key].pick(rng)
                kana = _kana(s, g)
                options = kana_variants(kana)
                if options:
                    return ("kana_variant", s, g, kana, s, g, one_of(rng, options))
        # Another written form of one name (髙橋/高橋, 山﨑/山崎, 功/㓛): the classic duplicate.
        if rng.random() < 0.25 and key in names.given_with_forms:
            s = names.surnames.pick(rng)
            g = names.given_with_forms[key].pick(rng)
            g2 = one_of(rng, names.forms[g.kanji])
            return ("variant_form", s, g, _kana(s, g), s, g2, _kana(s, g2))
        s = names.surnames_with_forms.pick(rng)
        g = names.given[key].pick(rng)
        s2 = one_of(rng, names.forms[s.kanji])
        return ("variant_form", s, g, _kana(s, g), s2, g, _kana(s2, g))

    def _join_household(self, sex: str, birth: int) -> _Household | None:
        other = self.households["2" if sex == "1" else "1"]
        year = dt.date.fromordinal(birth).year
        for i, household in enumerate(other):
            if i >= 16:
                break
            if abs(household.birth_year - year) <= 7:
                del other[i]
                return household
        return None

    def _address(self) -> tuple[str, str, int]:
        rng = self.rng
        town = self.places.towns.pick(rng)
        m = self.m
        if town.style == "chome":
            block = (
                f"{town.name}{kanji_number(between(rng, 1, 5))}丁目"
                f"{full_width(between(rng, 1, 30))}番{full_width(between(rng, 1, 25))}号"
            )
            if rng.random() < 0.12:
                room = between(rng, 1, 5) * 100 + between(rng, 1, 12)
                block += f"{FULL_SPACE}{one_of(rng, self.places.buildings)}{town.name[:2]}"
                block += f"{full_width(room)}号室"
        else:
            block = f"{town.name}{full_width(between(rng, 1, 2999))}番地"
            if rng.random() < 0.5:
                block += full_width(between(rng, 1, 20))
        postal = f"{m.postal_prefix}-{(self.postal_base + town.index * 37) % 10000:04d}"
        return postal, f"{m.prefecture_name}{m.name}{block}", town.mask


def _kana(surname: NamePart, given: NamePart) -> str:
    return surname.kana + FULL_SPACE + given.kana
