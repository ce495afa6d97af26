"""Layouts of the usage files: 第6表 予定/実績, 第7表 別表 and the delete files."""

from __future__ import annotations

from kaigo_kiban.careplan.codec.columns import (
    IDENTIFIER,
    OVER_30_DAYS,
    UNCERTAIN_LENGTH,
    UNCERTAIN_VALUE,
    UPDATER,
    Column,
    Kind,
    Layout,
    Q,
    col,
    key_columns,
    numbered,
)


def _plan_columns() -> tuple[Column, ...]:
    """The 25 columns shared by 予定 (UPPLAN) and 実績 (UPJSK)."""
    return numbered(
        key_columns(),
        [
            col("作成年月日", "created_on", Kind.DATE, required=True),
            col("対象年月", "target_month", Kind.MONTH, required=True),
            col("プラン担当業者コード", "plan_office_no", Kind.OFFICE_NO, inferred=True),
            col("プラン担当者名", "plan_manager_name", Kind.TEXT),
            col("単位数", "units", Kind.INT, note="割引後。率による加算は実績で0の場合あり"),
            col("前月までの短期入所利用日数", "prior_short_stay_days", Kind.INT, 5),
            col(
                "サービス利用日",
                "service_date",
                Kind.DATE,
                required=True,
                note="1日1行。YYYYMMDD は推定。対象年月の日付であること",
            ),
            col("日割対象日", "proration_days", Kind.BITMAP, note="31桁 1=対象日"),
            col(
                "サービス開始時刻",
                "start_time",
                Kind.TIME,
                required=True,
                specials=("9999",),
                note="9999=指定なし",
            ),
            col(
                "サービス終了時刻",
                "end_time",
                Kind.TIME,
                required=True,
                specials=("9999",),
                note="9999=指定なし",
            ),
            col("サービス回数", "service_count", Kind.INT, required=True),
            col("サービスコード", "service_code", Kind.SERVICE_CODE, required=True),
            col("TAISコード", "tais_code", Kind.TAIS, note="種類17/67は16か17のどちらか必須"),
            col("福祉用具届出コード", "equipment_notice_code", Kind.TEXT),
            col("用具名称（機種名）", "equipment_name", Kind.TEXT),
            col(
                "明細判別コード",
                "detail_code",
                Kind.DIGITS,
                2,
                uncertain=Q({UNCERTAIN_LENGTH}),
                note="種類17のみ",
            ),
            col("サービス事業者コード", "provider_office_no", Kind.OFFICE_NO, required=True),
            col("サービス事業所名", "provider_office_name", Kind.TEXT),
            col("サテライト枝番", "satellite_branch", Kind.DIGITS),
            OVER_30_DAYS,
            col(
                "更新業者コード",
                "updater_office_no",
                Kind.OFFICE_NO,
                note="予定=居宅介護支援事業者、実績=サービス事業者",
            ),
            IDENTIFIER,
        ],
    )


UPPLAN = Layout(
    "UPPLAN",
    "サービス利用票（第6表）予定",
    _plan_columns(),
    month_in_name=True,
    month_column="target_month",
    sender_columns=("updater_office_no",),
)

UPJSK = Layout(
    "UPJSK",
    "サービス利用票（第6表）実績",
    _plan_columns(),
    month_in_name=True,
    month_column="target_month",
    sender_columns=("updater_office_no", "provider_office_no"),
)

UPSIKYU = Layout(
    "UPSIKYU",
    "サービス利用票別表（第7表）",
    numbered(
        key_columns(),
        [
            col("作成年月日", "created_on", Kind.DATE, required=True),
            col("対象年月", "target_month", Kind.MONTH, required=True),
            col("サービス事業所名", "provider_office_name", Kind.TEXT),
            col(
                "サービス事業所コード",
                "provider_office_no",
                Kind.OFFICE_NO,
                required=True,
                note="合計行は 9999999999",
            ),
            col("サテライト枝番", "satellite_branch", Kind.DIGITS),
            col(
                "サービスコード",
                "service_code",
                Kind.SERVICE_CODE,
                required=True,
                note="xxAAAA=限度内小計 xxEEEE=限度外小計 xxZZZZ=30日超小計 999999=合計",
            ),
            col("TAISコード", "tais_code", Kind.TAIS),
            col("福祉用具届出コード", "equipment_notice_code", Kind.TEXT),
            col("用具名称", "equipment_name", Kind.TEXT),
            col("単位数", "units", Kind.INT, required=True),
            col("割引後率", "discount_rate", Kind.DECIMAL, 5, uncertain=Q({UNCERTAIN_LENGTH})),
            col("割引後単位数", "discounted_units", Kind.INT, 6, uncertain=Q({UNCERTAIN_LENGTH})),
            col("回数／日数", "count", Kind.INT, 3, required=True),
            col(
                "サービス単位／金額",
                "service_units_amount",
                Kind.INT,
                6,
                uncertain=Q({UNCERTAIN_LENGTH}),
                note="5〜6桁",
            ),
            col("給付管理単位数", "benefit_mgmt_units", Kind.INT),
            col("種類支給限度基準を超える単位数", "over_type_limit_units", Kind.INT),
            col("種類支給限度基準内単位数", "within_type_limit_units", Kind.INT),
            col("区分支給限度基準を超える単位数", "over_limit_units", Kind.INT),
            col("区分支給限度基準内単位数", "within_limit_units", Kind.INT),
            col(
                "単位数単価",
                "unit_price",
                Kind.DECIMAL,
                5,
                pattern=r"[0-9]{2}\.[0-9]{2}",
                pattern_doc="99.99",
            ),
            col("費用総額（保険／事業対象分）", "total_cost", Kind.INT),
            col("給付率", "benefit_rate", Kind.INT, 3),
            col("保険／事業費請求額", "claim_amount", Kind.INT),
            col("定額利用者負担単価金額", "fixed_copay_unit_price", Kind.INT),
            col("利用者負担（保険／事業対象分）", "copay", Kind.INT),
            col("利用者負担（全額負担分）", "copay_full", Kind.INT),
            col("前月までの利用日数", "prior_days", Kind.INT, 5),
            col("当月の計画利用日数", "planned_days", Kind.INT),
            col("累積利用日数", "cumulative_days", Kind.INT),
            OVER_30_DAYS,
            col("事業所コード", "office_code", Kind.OFFICE_NO, uncertain=Q({UNCERTAIN_VALUE})),
            col(
                "入力者コード",
                "operator_code",
                Kind.OFFICE_NO,
                uncertain=Q({UNCERTAIN_VALUE}),
                note="おそらく 9999999999",
            ),
            UPDATER,
            IDENTIFIER,
        ],
    ),
    month_in_name=True,
    month_column="target_month",
    sender_columns=("updater_office_no",),
    note="利用者・月ごとに合計行（999999）が必ずある。",
)

DLT1KYO = Layout(
    "DLT1KYO",
    "居宅サービス計画書削除（第1〜3表）",
    numbered(
        key_columns(),
        [col("居宅サービス計画作成（変更）日", "plan_date", Kind.DATE, required=True)],
    ),
    note="第2・3表も連動して削除する。",
)

DLTPLAN = Layout(
    "DLTPLAN",
    "サービス利用票削除（第6表 予定）",
    numbered(key_columns(), [col("削除対象年月", "delete_month", Kind.MONTH, required=True)]),
    month_in_name=True,
    month_column="delete_month",
    note="第7表も連動して削除する。",
)

DLTJSK = Layout(
    "DLTJSK",
    "実績削除（第6表 実績）",
    numbered(
        key_columns(),
        [
            col("削除対象年月", "delete_month", Kind.MONTH, required=True),
            col("サービス事業者コード", "provider_office_no", Kind.OFFICE_NO, required=True),
            col("サービス種類コード", "service_type", Kind.SERVICE_TYPE, required=True),
        ],
    ),
    month_in_name=True,
    month_column="delete_month",
    sender_columns=("provider_office_no",),
    sender_type_column="service_type",
    note="サービス種類ごとに削除する。",
)

USAGE_LAYOUTS: tuple[Layout, ...] = (UPPLAN, UPJSK, UPSIKYU, DLT1KYO, DLTPLAN, DLTJSK)
