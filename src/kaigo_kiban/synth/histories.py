"""Card histories of one synthetic person: qualification, certifications, plans, yearly cards.

Every certification chain ends the day before the next one starts, every card row's validity
chains the same way, and a loss of qualification closes the card the day before it.
"""

from __future__ import annotations

import datetime as dt
import random

from kaigo_kiban.synth.names import Weighted, between, one_of
from kaigo_kiban.synth.people import (
    CARE_LEVEL_MIX,
    CERT_PERIOD_MONTHS,
    COST_CAP_SHARE,
    COST_CAP_SHARE_LIGHT,
    COST_CAP_STAGES,
    DISQUALIFIED_SHARE,
    EXPIRED_SHARE,
    FACILITY_SHARE,
    HISTORY_SHARE,
    INSURANCE_START,
    MOVER_SHARE,
    REDUCTION_SHARE,
    Band,
    Calendar,
    CardVersion,
    Certification,
    Identity,
    Municipality,
    Person,
    YearCard,
)


class CardHistories:
    """Draws what each person's cards say, from the population's random stream."""

    def __init__(
        self,
        municipality: Municipality,
        rng: random.Random,
        base_date: dt.date,
        calendar: Calendar,
        offices: list[str],
    ) -> None:
        self.m = municipality
        self.rng = rng
        self.base = base_date.toordinal()
        self.cal = calendar
        self.offices = offices
        self.levels = Weighted(CARE_LEVEL_MIX)
        self.periods = Weighted(CERT_PERIOD_MONTHS)
        self.stages = Weighted(COST_CAP_STAGES)
        cycle_year = base_date.year if base_date.month >= 8 else base_date.year - 1
        self.cycle_start = dt.date(cycle_year, 8, 1).toordinal()
        self.cycle_end = dt.date(cycle_year + 1, 7, 31).toordinal()
        self.july = dt.date(cycle_year, 7, 1).toordinal()
        self.insurance_start = INSURANCE_START.toordinal()

    def person(self, insured_no: str, identity: Identity, band: Band | None) -> Person:
        """A person's card rows; ``band`` is None for a 第2号被保険者 (always certified)."""
        rng = self.rng
        base = self.base
        second = identity.second_insured
        qualified = self._qualified_on(identity.birth, 40 if second else 65)
        person = Person(insured_no=insured_no, identity=identity, qualified_on=qualified)
        certified = second or (band is not None and rng.random() < band[4])
        certs = self._certifications(qualified) if certified else []
        versions = person.versions
        if certs:
            facility = rng.random() < FACILITY_SHARE[certs[-1].level]
            if not facility:
                self._plans(certs)
            elif rng.random() < 0.04:
                person.address_exception = "2"
                while True:
                    other = f"{self.m.prefecture_code}{between(rng, 0, 9999):04d}"
                    if other != self.m.insurer_no:
                        break
                person.facility_insurer_no = other
            for i, cert in enumerate(certs):
                first = i == 0
                versions.append(
                    CardVersion(
                        valid_from=cert.start,
                        valid_to=None if i == len(certs) - 1 else certs[i + 1].start - 1,
                        change_kind="1" if first else "2",
                        change_reason="01" if first else "99",
                        issued_on=cert.issued_on,
                        cert=cert,
                    )
                )
            if rng.random() < 0.003:
                newest = certs[-1]
                cut_from = self.cal.start_of(self.cal.month_of(newest.start) + between(rng, 0, 3))
                cut_to = self.cal.end_of(self.cal.month_of(cut_from) + 11)
                if cut_from <= base:
                    person.benefit_cut = (cut_from, cut_to)
        else:
            versions.append(
                CardVersion(
                    valid_from=qualified,
                    valid_to=None,
                    change_kind="1",
                    change_reason="01",
                    issued_on=max(qualified - between(rng, 0, 14), self.insurance_start),
                    cert=None,
                )
            )
        if rng.random() < DISQUALIFIED_SHARE:
            self._disqualify(person)
        self._year_cards(person, band)
        return person

    def _qualified_on(self, birth: int, age: int) -> int:
        """The age-reaching day (the day before the birthday), or a later move-in."""
        rng = self.rng
        born = dt.date.fromordinal(birth)
        try:
            birthday = born.replace(year=born.year + age)
        except ValueError:
            birthday = dt.date(born.year + age, 3, 1)
        qualified = max(birthday.toordinal() - 1, self.insurance_start)
        if rng.random() < MOVER_SHARE and qualified < self.base - 60:
            qualified = between(rng, qualified, self.base - 30)
        return qualified

    def _certifications(self, qualified: int) -> list[Certification]:
        """The certification chain, oldest first; each ends the day before the next starts."""
        rng = self.rng
        cal = self.cal
        earliest = cal.month_of(qualified)
        if cal.start_of(earliest) < qualified:
            earliest += 1
        base_month = cal.month_of(self.base)
        if earliest > base_month:
            return []
        level = self.levels.pick(rng)
        period = self.periods.pick(rng)
        expired = rng.random() < EXPIRED_SHARE
        back = period + between(rng, 0, 2) if expired else between(rng, 0, period - 1)
        start = max(base_month - back, earliest)
        # (level, start month index, months), newest first while building.
        chain = [(level, start, period)]
        kinds: list[str] = []
        if rng.random() < HISTORY_SHARE:
            for _ in range(1 if rng.random() < 0.7 else 2):
                cur_level, cur_start, _cur_period = chain[-1]
                if rng.random() < 0.6:
                    prev_period = 12 if rng.random() < 0.6 else 6
                    prev_start = cur_start - prev_period
                    prev_level = cur_level if rng.random() < 0.5 else _neighbour(cur_level, rng)
                    kind = "2"
                else:
                    prev_period = 12
                    prev_start = cur_start - between(rng, 2, 11)
                    prev_level = _neighbour(cur_level, rng)
                    kind = "3"
                if prev_start < earliest:
                    break
                kinds.append(kind)
                chain.append((prev_level, prev_start, prev_period))
        chain.reverse()
        kinds.reverse()
        certs: list[Certification] = []
        for i, (lvl, month, months) in enumerate(chain):
            from_ = cal.start_of(month)
            if i + 1 < len(chain):
                to = cal.start_of(chain[i + 1][1]) - 1
            else:
                to = cal.end_of(month + months - 1)
            if i == 0:
                app = "1" if months == 6 or (months == 12 and rng.random() < 0.5) else "2"
            else:
                app = kinds[i - 1]
            if app == "2":
                applied = from_ - between(rng, 15, 55)
                issued = from_ - between(rng, 3, 14)
            else:
                applied = from_
                issued = min(from_ + between(rng, 20, 45), self.base)
            certs.append(Certification(lvl, from_, to, app, applied, issued))
        newest = certs[-1]
        if newest.end < self.base or (newest.end < self.base + 60 and rng.random() < 0.5):
            newest.application_status = "2"
        return certs

    def _plans(self, certs: list[Certification]) -> None:
        """居宅サービス計画作成依頼届出 for people living at home (most of them)."""
        rng = self.rng
        if rng.random() >= 0.9:
            return
        own = rng.random() < 0.01
        office = "" if own else one_of(rng, self.offices)
        previous_kind = ""
        plan_from = notified = 0
        for cert in certs:
            kind = "2" if own else ("3" if cert.level in ("12", "13") else "1")
            if kind != previous_kind:
                plan_from = cert.start
                notified = max(plan_from - between(rng, 0, 14), cert.applied_on)
                previous_kind = kind
            cert.plan_kind = kind
            cert.plan_office_no = office
            cert.plan_from = plan_from
            cert.plan_notified_on = min(notified, self.base)

    def _disqualify(self, person: Person) -> None:
        """資格喪失 (death or moving out): a closing row ending the day before the loss."""
        rng = self.rng
        versions = person.versions
        last = versions[-1]
        lo = max(last.valid_from + 2, self.base - 365)
        if lo > self.base:
            return
        lost = between(rng, lo, self.base)
        start = max(self.cal.start_of(self.cal.month_of(lost - 1)), last.valid_from + 1)
        last.valid_to = start - 1
        versions.append(
            CardVersion(
                valid_from=start,
                valid_to=lost - 1,
                change_kind="3",
                change_reason="02",
                issued_on=min(lost + between(rng, 3, 20), self.base),
                cert=last.cert,
                disqualified_on=lost,
            )
        )

    def _year_cards(self, person: Person, band: Band | None) -> None:
        rng = self.rng
        base = self.base
        # 第1号: insured from qualification; 第2号: holds cards from certification on.
        first = (
            person.versions[0].valid_from if person.identity.second_insured else person.qualified_on
        )
        start = max(self.cycle_start, first)
        end = self.cycle_end
        lost = person.versions[-1].disqualified_on
        if lost is not None:
            if lost <= start:
                return
            end = min(end, lost - 1)

        def issued(valid_from: int) -> int:
            if valid_from == self.cycle_start:
                return self.july + between(rng, 4, 24)
            return min(valid_from + between(rng, 0, 10), base)

        ratio = "1"
        if band is not None:
            roll = rng.random()
            ratio = "3" if roll < band[6] else ("2" if roll < band[5] + band[6] else "1")
        person.copay = YearCard(ratio, start, end, issued(start))

        cert = person.versions[-1].cert
        if cert and rng.random() < COST_CAP_SHARE.get(cert.level, COST_CAP_SHARE_LIGHT):
            cap_from = max(start, cert.start)
            if cap_from <= min(end, base):
                person.cost_cap = YearCard(self.stages.pick(rng), cap_from, end, issued(cap_from))

        if rng.random() < REDUCTION_SHARE:
            months = self.cal.month_of(min(base, end)) - self.cal.month_of(start)
            red_from = max(
                start, self.cal.start_of(self.cal.month_of(start) + between(rng, 0, months))
            )
            kind = _REDUCTION_KINDS.pick(rng)
            card = YearCard(kind, red_from, end, issued(red_from))
            if kind in ("1", "3"):
                card.benefit_rate = one_of(rng, (95, 97, 100)) if kind == "1" else 95
            else:
                card.reduction_permille = 500 if rng.random() < 0.25 else 250
            person.reduction = card


_REDUCTION_KINDS = Weighted((("2", 0.55), ("1", 0.30), ("3", 0.05), ("9", 0.10)))
_LEVEL_ORDER = ("12", "13", "21", "22", "23", "24", "25")


def _neighbour(level: str, rng: random.Random) -> str:
    """A care level one or two steps lighter (one heavier for the lightest)."""
    i = _LEVEL_ORDER.index(level)
    if i == 0:
        return _LEVEL_ORDER[1]
    return _LEVEL_ORDER[max(0, i - (1 if rng.random() < 0.75 else 2))]
