"""Municipal file layouts of the four cards (see docs/interface.md).

The 被保険者証 layout keeps the item names, order and code values of the 受給者異動連絡票情報
(データ種別 531 / 5311) for the items they share, so a municipality can reuse its existing
export; platform-only items (履歴番号, 漢字氏名, 住所, 交付日, 証の有効期間, 届出日, 訂正区分)
follow after them.
"""

from __future__ import annotations

from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.core.tabular import Column, Kind, Layout

SEX = {"1": "男", "2": "女"}
CARE_LEVELS = {
    "01": "非該当",
    "06": "事業対象者",
    "11": "要支援（経過的要介護）",
    "12": "要支援1",
    "13": "要支援2",
    "21": "要介護1",
    "22": "要介護2",
    "23": "要介護3",
    "24": "要介護4",
    "25": "要介護5",
}
CORRECTION_KINDS = {"2": "訂正", "3": "削除"}
CHANGE_KINDS = {"1": "新規", "2": "変更", "3": "終了"}
CHANGE_REASONS = {
    "01": "受給資格取得",
    "02": "受給資格喪失",
    "03": "広域連合内の市町村間転居",
    "04": "合併による新規",
    "99": "その他異動",
}
APPLICATION_KINDS = {"1": "新規申請", "2": "更新申請", "3": "変更申請", "4": "職権"}
APPLICATION_STATUS = {"1": "申請なし", "2": "申請中", "3": "決定済み"}
PLAN_KINDS = {"1": "居宅介護支援事業所作成", "2": "自己作成", "3": "介護予防支援事業所作成"}
YES_NO = {"1": "非該当", "2": "該当"}
COPAY_RATIOS = {"1": "1割", "2": "2割", "3": "3割"}
COST_CAP_STAGES = {"1": "第1段階", "2": "第2段階", "31": "第3段階①", "32": "第3段階②"}
REDUCTION_KINDS = {
    "1": "利用者負担額減額・免除",
    "2": "社会福祉法人等による利用者負担軽減",
    "3": "旧措置入所者",
    "9": "その他",
}


def _key_columns() -> tuple[Column, ...]:
    return (
        Column("insurer_no", "証記載保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no),
        Column("insured_no", "被保険者番号", Kind.DIGITS, 10, True),
    )


def _validity_columns(history_label: str = "履歴番号") -> tuple[Column, ...]:
    return (
        Column("history_no", history_label, Kind.INT, 9, True, minimum=1, maximum=999_999_999),
        Column("valid_from", "有効開始年月日", Kind.DATE, 8, True),
        Column("valid_to", "有効終了年月日", Kind.DATE, 8),
        Column("issued_on", "交付年月日", Kind.DATE, 8),
        Column("correction_kind", "訂正区分", Kind.CODE, 1, codes=CORRECTION_KINDS),
    )


def _yen(name: str, label: str, required: bool = False) -> Column:
    return Column(name, label, Kind.INT, 7, required, minimum=0, maximum=9_999_999)


INSURANCE_CARD = Layout(
    kind="insurance_card",
    label="被保険者証",
    key=("insurer_no", "insured_no", "history_no"),
    ordered=(
        ("birth_date", "qualified_on"),
        ("qualified_on", "disqualified_on"),
        ("cert_valid_from", "cert_valid_to"),
        ("plan_valid_from", "plan_valid_to"),
        ("limit_valid_from", "limit_valid_to"),
        ("reimbursement_from", "reimbursement_to"),
        ("benefit_cut_from", "benefit_cut_to"),
        ("valid_from", "valid_to"),
    ),
    columns=(
        Column("change_date", "異動年月日", Kind.DATE, 8, True),
        Column("change_kind", "異動区分コード", Kind.CODE, 1, True, codes=CHANGE_KINDS),
        Column("change_reason", "異動事由", Kind.CODE, 2, True, codes=CHANGE_REASONS),
        *_key_columns(),
        Column("name_kana", "被保険者氏名（カナ）", Kind.TEXT, 50, True),
        Column("birth_date", "生年月日", Kind.DATE, 8, True),
        Column("sex", "性別コード", Kind.CODE, 1, True, codes=SEX),
        Column("qualified_on", "資格取得年月日", Kind.DATE, 8, True),
        Column("disqualified_on", "資格喪失年月日", Kind.DATE, 8),
        Column("application_kind", "申請種別コード", Kind.CODE, 1, codes=APPLICATION_KINDS),
        Column(
            "application_status", "変更申請中区分コード", Kind.CODE, 1, codes=APPLICATION_STATUS
        ),
        Column("applied_on", "申請年月日", Kind.DATE, 8),
        Column("care_level", "要介護状態区分コード", Kind.CODE, 2, codes=CARE_LEVELS),
        Column("cert_valid_from", "認定有効期間（開始年月日）", Kind.DATE, 8),
        Column("cert_valid_to", "認定有効期間（終了年月日）", Kind.DATE, 8),
        Column("plan_kind", "居宅サービス計画作成区分コード", Kind.CODE, 1, codes=PLAN_KINDS),
        Column("plan_office_no", "居宅介護支援事業所番号", Kind.DIGITS, 10),
        Column("plan_valid_from", "居宅サービス計画適用開始年月日", Kind.DATE, 8),
        Column("plan_valid_to", "居宅サービス計画適用終了年月日", Kind.DATE, 8),
        Column(
            "benefit_limit_units",
            "訪問通所サービス支給限度基準額",
            Kind.INT,
            6,
            minimum=0,
            maximum=999_999,
        ),
        Column("limit_valid_from", "上限管理適用期間開始年月日", Kind.DATE, 8),
        Column("limit_valid_to", "上限管理適用期間終了年月日", Kind.DATE, 8),
        Column("reimbursement_from", "償還払化開始年月日", Kind.DATE, 8),
        Column("reimbursement_to", "償還払化終了年月日", Kind.DATE, 8),
        Column("benefit_cut_from", "給付率引下げ開始年月日", Kind.DATE, 8),
        Column("benefit_cut_to", "給付率引下げ終了年月日", Kind.DATE, 8),
        Column("address_exception", "住所地特例対象者区分コード", Kind.CODE, 1, codes=YES_NO),
        Column("facility_insurer_no", "施設所在保険者番号", Kind.DIGITS, 6, check=is_insurer_no),
        # Platform items (not in 5311).
        *_validity_columns(),
        Column("name_kanji", "被保険者氏名（漢字）", Kind.TEXT, 50, True),
        Column("postal_code", "郵便番号", Kind.TEXT, 8),
        Column("address", "住所", Kind.TEXT, 200),
        Column("plan_notified_on", "居宅サービス計画作成依頼届出年月日", Kind.DATE, 8),
    ),
)

COPAY_CARD = Layout(
    kind="copay_card",
    label="負担割合証",
    key=("insurer_no", "insured_no", "history_no"),
    ordered=(("valid_from", "valid_to"),),
    columns=(
        *_key_columns(),
        Column("ratio", "利用者負担の割合", Kind.CODE, 1, True, codes=COPAY_RATIOS),
        *_validity_columns(),
    ),
)

COST_CAP_CERT = Layout(
    kind="cost_cap_cert",
    label="負担限度額認定証",
    key=("insurer_no", "insured_no", "history_no"),
    ordered=(("valid_from", "valid_to"),),
    columns=(
        *_key_columns(),
        Column("stage", "利用者負担段階", Kind.CODE, 2, True, codes=COST_CAP_STAGES),
        _yen("food_cap_yen", "食費負担限度額（施設）", True),
        _yen("food_cap_short_stay_yen", "食費負担限度額（短期入所）"),
        _yen("unit_private_yen", "居住費（ユニット型個室）負担限度額"),
        _yen("unit_semi_private_yen", "居住費（ユニット型個室的多床室）負担限度額"),
        _yen("conventional_private_special_yen", "居住費（従来型個室・特養等）負担限度額"),
        _yen("conventional_private_other_yen", "居住費（従来型個室・老健・医療院等）負担限度額"),
        _yen("multi_bed_yen", "居住費（多床室）負担限度額"),
        *_validity_columns(),
    ),
)

REDUCTION_CERT = Layout(
    kind="reduction_cert",
    label="減免減額認定証",
    key=("insurer_no", "insured_no", "history_no"),
    ordered=(("valid_from", "valid_to"),),
    columns=(
        *_key_columns(),
        Column("reduction_kind", "減免・減額の種類", Kind.CODE, 1, True, codes=REDUCTION_KINDS),
        Column("benefit_rate_percent", "給付率（％）", Kind.INT, 3, minimum=0, maximum=100),
        Column("reduction_rate_permille", "軽減率（千分率）", Kind.INT, 4, minimum=0, maximum=1000),
        *_validity_columns(),
    ),
)

CARD_LAYOUTS = (INSURANCE_CARD, COPAY_CARD, COST_CAP_CERT, REDUCTION_CERT)
