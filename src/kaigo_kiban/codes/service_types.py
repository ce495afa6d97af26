"""サービス種類コード: the groups of offices the access policy tells apart.

Which service types make an office a "care management" or a "facility" office is a fact about
the codes, used by the actor (its policy groups) and by the consent rules alike.
"""

from __future__ import annotations

# 居宅介護支援, 介護予防支援, 介護予防ケアマネジメント (A9 and AF are the 総合事業 codes used so far).
CARE_MGMT_TYPES = frozenset({"43", "46", "A9", "AF"})
# 介護保険施設.
FACILITY_TYPES = frozenset({"51", "52", "53", "54", "55", "2A"})
