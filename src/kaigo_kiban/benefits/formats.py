"""Municipal file layouts of 住宅改修費利用情報 and 福祉用具購入費利用情報 (see docs/interface.md).

Both follow the card files' pattern: key items first, then the record, then 履歴番号 and
訂正区分. ``record_no`` (整理番号) is the municipality's number of one modification or purchase
(its 受付番号); a later version of the same record (e.g. the 支給決定) comes as a new 履歴番号.
"""

from __future__ import annotations

from kaigo_kiban.cards.formats import CARE_LEVELS, CORRECTION_KINDS
from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.core.tabular import Column, Kind, Layout

# 特定福祉用具の種目 (介護保険法施行規則; 2024-04 の選択制を含む). Code numbers are ours (inferred).
EQUIPMENT_ITEMS = {
    "01": "腰掛便座",
    "02": "自動排泄処理装置の交換可能部品",
    "03": "排泄予測支援機器",
    "04": "入浴補助用具",
    "05": "簡易浴槽",
    "06": "移動用リフトのつり具の部分",
    "07": "固定用スロープ",
    "08": "歩行器（歩行車を除く）",
    "09": "単点杖（松葉づえを除く）",
    "10": "多点杖",
}


def _yen(name: str, label: str, required: bool = False) -> Column:
    return Column(name, label, Kind.INT, 7, required, minimum=0, maximum=9_999_999)


def _key() -> tuple[Column, ...]:
    return (
        Column("insurer_no", "証記載保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no),
        Column("insured_no", "被保険者番号", Kind.DIGITS, 10, True),
        Column("record_no", "整理番号", Kind.TEXT, 20, True),
    )


def _history() -> tuple[Column, ...]:
    return (
        Column("history_no", "履歴番号", Kind.INT, 9, True, minimum=1, maximum=999_999_999),
        Column("correction_kind", "訂正区分", Kind.CODE, 1, codes=CORRECTION_KINDS),
    )


HOME_MODIFICATION = Layout(
    kind="home_modification",
    label="住宅改修費利用情報",
    key=("insurer_no", "insured_no", "record_no", "history_no"),
    description="住宅改修の費用額を、住居ごとの支給限度基準額 20万円 に対して記録します。",
    ordered=(("applied_on", "used_on"), ("used_on", "decided_on")),
    columns=(
        *_key(),
        Column("applied_on", "申請年月日", Kind.DATE, 8),
        Column("used_on", "改修完了年月日", Kind.DATE, 8, True),
        Column("decided_on", "支給決定年月日", Kind.DATE, 8),
        _yen("cost_yen", "費用額", True),
        _yen("paid_yen", "保険給付額"),
        Column("residence_id", "住居識別番号", Kind.TEXT, 40, True),
        Column("care_level", "改修時の要介護状態区分コード", Kind.CODE, 2, codes=CARE_LEVELS),
        Column("description", "改修の内容", Kind.TEXT, 200),
        *_history(),
    ),
)

EQUIPMENT_PURCHASE = Layout(
    kind="equipment_purchase",
    label="福祉用具購入費利用情報",
    key=("insurer_no", "insured_no", "record_no", "history_no"),
    description="特定福祉用具の購入費用額を、年度 (4月〜3月) ごとの支給限度基準額 10万円 に対して記録します。",
    ordered=(("used_on", "decided_on"),),
    columns=(
        *_key(),
        Column("used_on", "購入年月日", Kind.DATE, 8, True),
        Column("decided_on", "支給決定年月日", Kind.DATE, 8),
        _yen("cost_yen", "費用額", True),
        _yen("paid_yen", "保険給付額"),
        Column("item_code", "種目コード", Kind.CODE, 2, True, codes=EQUIPMENT_ITEMS),
        Column("item_name", "品名", Kind.TEXT, 100),
        *_history(),
    ),
)

USAGE_LAYOUTS = (HOME_MODIFICATION, EQUIPMENT_PURCHASE)
