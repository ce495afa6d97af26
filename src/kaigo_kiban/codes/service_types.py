"""サービス種類コード: the groups of offices the access policy tells apart.

Which service types make an office a "care management" or a "facility" office is a fact about
the codes, used by the actor (its policy groups) and by the consent rules alike.
"""

from __future__ import annotations

from collections.abc import Mapping

# 居宅介護支援, 介護予防支援, 介護予防ケアマネジメント (A9 and AF are the 総合事業 codes used so far).
CARE_MGMT_TYPES = frozenset({"43", "46", "A9", "AF"})
# 介護保険施設.
FACILITY_TYPES = frozenset({"51", "52", "53", "54", "55", "2A"})

#: Names of service types (サービス種類コード); the master's own names are not trusted.
SERVICE_TYPE_NAMES: Mapping[str, str] = {
    "11": "訪問介護",
    "12": "訪問入浴介護",
    "13": "訪問看護",
    "14": "訪問リハビリテーション",
    "15": "通所介護",
    "16": "通所リハビリテーション",
    "17": "福祉用具貸与",
    "21": "短期入所生活介護",
    "22": "短期入所療養介護（介護老人保健施設）",
    "23": "短期入所療養介護（病院等）",
    "2A": "短期入所療養介護（介護医療院）",
    "27": "特定施設入居者生活介護（短期利用）",
    "28": "地域密着型特定施設入居者生活介護（短期利用）",
    "31": "居宅療養管理指導",
    "32": "認知症対応型共同生活介護",
    "33": "特定施設入居者生活介護",
    "36": "地域密着型特定施設入居者生活介護",
    "38": "認知症対応型共同生活介護（短期利用）",
    "43": "居宅介護支援",
    "46": "介護予防支援",
    "54": "地域密着型介護老人福祉施設入所者生活介護",
    "71": "夜間対応型訪問介護",
    "72": "認知症対応型通所介護",
    "73": "小規模多機能型居宅介護",
    "76": "定期巡回・随時対応型訪問介護看護",
    "77": "看護小規模多機能型居宅介護",
    "78": "地域密着型通所介護",
}
