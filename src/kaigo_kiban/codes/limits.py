"""区分支給限度基準額: the monthly benefit limit in units by 要介護状態区分 code."""

from __future__ import annotations

from collections.abc import Mapping

#: 区分支給限度基準額 in units per month by 要介護状態区分 (since 2019-10; unchanged through R6
#: is inferred).
BENEFIT_LIMIT_UNITS: Mapping[str, int] = {
    "12": 5_032,
    "13": 10_531,
    "21": 16_765,
    "22": 19_705,
    "23": 27_048,
    "24": 30_938,
    "25": 36_217,
}
