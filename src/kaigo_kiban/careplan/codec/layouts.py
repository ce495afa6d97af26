"""Layouts of the care-manager files: 利用者補足情報 and 居宅サービス計画書 第1〜3表.

Also the registry of every record type (``LAYOUTS``) and the file-name month rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from kaigo_kiban.careplan.codec.columns import (
    IDENTIFIER,
    INSURANCE_FLAG_CODES,
    LIVING_SUPPORT_REASON_CODES,
    PLAN_KIND_CODES,
    SEX_CODES,
    UNCERTAIN_LENGTH,
    UNCERTAIN_REQUIRED,
    UPDATER,
    WEEKDAY_CODES,
    Column,
    Kind,
    Layout,
    Q,
    care_level,
    col,
    key_columns,
    numbered,
)
from kaigo_kiban.careplan.codec.layouts_prevention import PREVENTION_LAYOUTS
from kaigo_kiban.careplan.codec.layouts_usage import USAGE_LAYOUTS


def _slots() -> list[Column]:
    """Columns 20–55 of 利用者補足情報: nine service-type slots of four values each."""
    out = []
    for n in range(1, 10):
        w = "１２３４５６７８９"[n - 1]
        out += [
            col(f"サービス種類コード{w}", f"slot{n}_service_type", Kind.SERVICE_TYPE),
            col(f"種類支給限度基準額{w}", f"slot{n}_limit_units", Kind.INT, 7),
            col(f"合計単位数{w}", f"slot{n}_total_units", Kind.INT, 7),
            col(f"限度超単位数{w}", f"slot{n}_over_units", Kind.INT, 7),
        ]
    return out


UPHOSOKU = Layout(
    "UPHOSOKU",
    "利用者補足情報",
    numbered(
        key_columns(),
        [
            col(
                "居宅サービス計画作成（変更）日",
                "plan_date",
                Kind.DATE,
                required=True,
                specials=("00000000",),
                note="第6・7表と送るときは 00000000",
            ),
            col("利用者氏名フリガナ", "name_kana", Kind.TEXT),
            col("利用者氏名", "name", Kind.TEXT),
            col("利用者性別", "sex", Kind.CODE, 1, codes=SEX_CODES),
            col("利用者生年月日", "birth_date", Kind.DATE),
            col("利用者郵便番号", "postal_code", Kind.POSTAL),
            col("利用者住所１", "address1", Kind.TEXT),
            col("利用者住所２", "address2", Kind.TEXT),
            col("利用者電話番号", "phone", Kind.TEXT, 15),
            col("認定日", "certified_on", Kind.DATE),
            col("限度額適用開始年月日", "limit_valid_from", Kind.DATE),
            col("限度額適用終了年月日", "limit_valid_to", Kind.DATE),
            col("認定状況区分", "certification_status", Kind.DIGITS, note="コード値は未確認"),
            col("要介護状態変更日", "care_level_changed_on", Kind.DATE),
            care_level(),
            col("区分支給限度基準額", "benefit_limit_units", Kind.INT, 7),
        ],
        _slots(),
        [
            col(
                "合計限度超単位数", "total_over_units", Kind.INT, 7, uncertain=Q({UNCERTAIN_LENGTH})
            ),
            col("入所前月迄利用日数", "prior_stay_days", Kind.INT, 5),
            col("入所累積利用日数", "cumulative_stay_days", Kind.INT, 5),
            care_level("前回要介護状態区分", "previous_care_level"),
            col("同意書受付業者", "consent_office_no", Kind.OFFICE_NO),
            UPDATER,
            IDENTIFIER,
            col(
                "対象年月",
                "target_month",
                Kind.MONTH,
                required=True,
                specials=("000000",),
                note="第1〜3表と送るときは 000000",
            ),
        ],
    ),
    month_in_name=True,
    month_column="target_month",
    sender_columns=("updater_office_no",),
    note="サービス種類の枠は１から詰めて使う。短期入所療養介護は種類22で集計する。",
)

UP1KYO = Layout(
    "UP1KYO",
    "居宅サービス計画書（第1表）",
    numbered(
        key_columns(),
        [
            col("作成年月日", "created_on", Kind.DATE, required=True),
            col("利用者郵便番号", "postal_code", Kind.POSTAL),
            col("利用者住所１", "address1", Kind.TEXT),
            col("利用者住所２", "address2", Kind.TEXT),
            col(
                "居宅サービス計画作成者氏名",
                "plan_author_name",
                Kind.TEXT,
                required=True,
                uncertain=Q({UNCERTAIN_REQUIRED}),
            ),
            col(
                "介護支援事業者名",
                "care_mgmt_office_name",
                Kind.TEXT,
                required=True,
                uncertain=Q({UNCERTAIN_REQUIRED}),
            ),
            col("介護支援事業者郵便番号", "care_mgmt_postal_code", Kind.POSTAL),
            col("介護支援事業者住所１", "care_mgmt_address1", Kind.TEXT),
            col("介護支援事業者住所２", "care_mgmt_address2", Kind.TEXT),
            col(
                "介護支援事業者コード",
                "care_mgmt_office_no",
                Kind.OFFICE_NO,
                required=True,
                uncertain=Q({UNCERTAIN_REQUIRED}),
            ),
            col(
                "居宅サービス計画作成（変更）日",
                "plan_date",
                Kind.DATE,
                required=True,
                uncertain=Q({UNCERTAIN_REQUIRED}),
                note="計画の結合キー",
            ),
            col(
                "初回居宅サービス計画作成日",
                "first_plan_date",
                Kind.DATE,
                required=True,
                uncertain=Q({UNCERTAIN_REQUIRED}),
            ),
            col("計画書区分", "plan_kind", Kind.CODE, 2, codes=PLAN_KIND_CODES),
            col("認定状況区分", "certification_status", Kind.DIGITS, note="コード値は未確認"),
            col("認定日", "certified_on", Kind.DATE),
            col("認定有効期間開始日", "cert_valid_from", Kind.DATE),
            col("認定有効期間終了日", "cert_valid_to", Kind.DATE),
            care_level(),
            col(
                "利用者及び家族の生活に対する意向を踏まえた課題分析の結果",
                "assessment_result",
                Kind.TEXT,
            ),
            col("介護認定審査会の意見及びサービスの種類の指定", "panel_opinion", Kind.TEXT),
            col("総合的な援助の方針", "overall_policy", Kind.TEXT),
            col(
                "生活援助中心型の算定理由",
                "living_support_reason",
                Kind.CODE,
                1,
                codes=LIVING_SUPPORT_REASON_CODES,
            ),
            col("その他理由", "other_reason", Kind.TEXT),
            UPDATER,
            IDENTIFIER,
        ],
    ),
    sender_columns=("updater_office_no",),
)

UP2KYO = Layout(
    "UP2KYO",
    "居宅サービス計画書（第2表）",
    numbered(
        key_columns(),
        [
            col("居宅計画書作成年月日", "created_on", Kind.DATE, required=True),
            col("居宅サービス計画作成（変更）日", "plan_date", Kind.DATE, required=True),
            col(
                "課題ＮＯ",
                "issue_no",
                Kind.INT,
                2,
                pattern=r"0?[1-9]|[1-9][0-9]",
                pattern_doc="1–99",
            ),
            col("課題", "issue", Kind.TEXT, note="空欄は前行の値を引き継ぐ"),
            col("援助目標ＮＯ", "goal_no", Kind.INT),
            col("長期目標", "long_term_goal", Kind.TEXT, note="空欄は前行の値を引き継ぐ"),
            col("短期目標", "short_term_goal", Kind.TEXT, note="空欄は前行の値を引き継ぐ"),
            col("長期期間", "long_term_period", Kind.TEXT),
            col("短期期間", "short_term_period", Kind.TEXT),
            col("援助内容ＮＯ", "support_no", Kind.INT),
            col("サービス内容", "service_content", Kind.TEXT),
            col("保険対象区分", "insurance_flag", Kind.CODE, 1, codes=INSURANCE_FLAG_CODES),
            col("サービス種別", "service_kind", Kind.TEXT),
            col("サービス事業者コード", "provider_office_no", Kind.OFFICE_NO),
            col("サービス事業所名", "provider_office_name", Kind.TEXT),
            col("頻度", "frequency", Kind.TEXT),
            col("実施期間", "period", Kind.TEXT),
            UPDATER,
            IDENTIFIER,
        ],
    ),
    sender_columns=("updater_office_no",),
    note="課題ＮＯ・援助目標ＮＯ・援助内容ＮＯの順に並べる。",
)

UP3KYO = Layout(
    "UP3KYO",
    "週間サービス計画表（第3表）",
    numbered(
        key_columns(),
        [
            col("週間サービス計画表作成年月日", "created_on", Kind.DATE, required=True),
            col("居宅サービス計画作成（変更）日", "plan_date", Kind.DATE, required=True),
            col("介護サービス内容", "care_service", Kind.TEXT),
            col("曜日", "weekday", Kind.CODE, 1, codes=WEEKDAY_CODES),
            col("開始時間", "start_time", Kind.TIME),
            col("終了時間", "end_time", Kind.TIME),
            col("主な日常生活上の活動", "daily_activity", Kind.TEXT),
            col("開始時間（活動）", "activity_start_time", Kind.TIME),
            col("終了時間（活動）", "activity_end_time", Kind.TIME),
            col("週単位以外のサービス", "non_weekly_service", Kind.TEXT),
        ],
    ),
    note="行は疎（空欄が多い）。",
)


#: Every record type, keyed by its file-name prefix, in documentation order.
LAYOUTS: Mapping[str, Layout] = {
    layout.record_type: layout
    for layout in (UPHOSOKU, UP1KYO, UP2KYO, UP3KYO, *USAGE_LAYOUTS, *PREVENTION_LAYOUTS)
}

#: Prefixes whose file names carry the target month (対象年月) after the prefix.
MONTH_PREFIXES = frozenset(rt for rt, layout in LAYOUTS.items() if layout.month_in_name)


def get_layout(record_type: str) -> Layout:
    """The layout of ``record_type`` (a file-name prefix such as ``UPPLAN``)."""
    return LAYOUTS[record_type]
