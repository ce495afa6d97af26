"""Municipal file layouts of certification cases (see docs/interface.md, docs/certification.md).

Four kinds: ``cert_application`` (申請), ``cert_milestone`` (進捗の日付), ``cert_result``
(認定結果・却下・取下げ) and ``cert_survey`` (認定調査の結果); the fifth, ``opinion_request``, is
in ``opinions.formats`` and uses the shared columns here. Every row carries the 保険者番号 of the
file name; the 申請番号 is the insurer's own number for one application.
"""

from __future__ import annotations

from kaigo_kiban.cards.formats import CARE_LEVELS
from kaigo_kiban.certification.cases.survey_items import catalogue
from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.core.tabular import Column, Kind, Layout

APPLICATION_KINDS = {
    "1": "新規",
    "2": "更新",
    "3": "区分変更",
    "4": "転入",
    "9": "その他（職権等）",
}
# Application kind codes → rules.ApplicationKind values (9 has none).
APPLICATION_KIND_NAMES = {"1": "NEW", "2": "RENEWAL", "3": "LEVEL_CHANGE", "4": "TRANSFER_IN"}
CORRECTION_KINDS = {"2": "訂正", "3": "削除"}
# Milestone code → (rules.Milestones field, Japanese label).
MILESTONES = {
    "11": ("survey_requested_on", "認定調査依頼"),
    "12": ("survey_done_on", "認定調査実施（訪問調査）"),
    "21": ("opinion_requested_on", "主治医意見書依頼"),
    "22": ("opinion_received_on", "主治医意見書入手"),
    "31": ("primary_done_on", "一次判定"),
    "41": ("panel_assigned_on", "介護認定審査会割当"),
    "42": ("panel_scheduled_on", "介護認定審査会予定日"),
    "43": ("panel_done_on", "介護認定審査会完了（二次判定）"),
}
MILESTONE_CODE_OF = {field: code for code, (field, _label) in MILESTONES.items()}
OUTCOMES = {
    "1": "認定（要介護状態区分の決定）",
    "2": "却下",
    "3": "取下げ",
    "4": "死亡等による終了",
}
# Outcome code → the rules.Milestones exit field (1 is the decision itself).
OUTCOME_FIELDS = {"2": "rejected_on", "3": "withdrawn_on", "4": "terminated_on"}
RESULT_LEVELS = {c: label for c, label in CARE_LEVELS.items() if c not in ("06", "11")}
PHYSICAL_INDEPENDENCE = {
    "1": "自立",
    "2": "J1",
    "3": "J2",
    "4": "A1",
    "5": "A2",
    "6": "B1",
    "7": "B2",
    "8": "C1",
    "9": "C2",
}
DEMENTIA_INDEPENDENCE = {
    "1": "自立",
    "2": "Ⅰ",
    "3": "Ⅱa",
    "4": "Ⅱb",
    "5": "Ⅲa",
    "6": "Ⅲb",
    "7": "Ⅳ",
    "8": "M",
}
MEDICAL_FLAGS = {"0": "なし", "1": "あり"}


def _application_no(value: str) -> bool:
    return len(value) <= 20


def insurer_column() -> Column:
    return Column("insurer_no", "証記載保険者番号", Kind.DIGITS, 6, True, check=is_insurer_no)


def insured_column() -> Column:
    return Column("insured_no", "被保険者番号", Kind.DIGITS, 10, True)


def application_column() -> Column:
    return Column(
        "application_no",
        "申請番号",
        Kind.DIGITS,
        None,
        True,
        check=_application_no,
        note="保険者が付番する申請の番号 (数字20桁以内)",
    )


def correction_column() -> Column:
    return Column("correction_kind", "訂正区分", Kind.CODE, 1, codes=CORRECTION_KINDS)


CERT_APPLICATION = Layout(
    kind="cert_application",
    label="要介護認定申請",
    key=("insurer_no", "application_no"),
    columns=(
        insurer_column(),
        insured_column(),
        application_column(),
        Column("application_kind", "申請区分コード", Kind.CODE, 1, True, codes=APPLICATION_KINDS),
        Column("applied_on", "申請年月日", Kind.DATE, 8, True),
        Column("previous_care_level", "前回要介護状態区分コード", Kind.CODE, 2, codes=CARE_LEVELS),
        correction_column(),
    ),
)

CERT_MILESTONE = Layout(
    kind="cert_milestone",
    label="要介護認定の進捗",
    key=("insurer_no", "application_no", "milestone"),
    columns=(
        insurer_column(),
        application_column(),
        Column(
            "milestone",
            "進捗区分コード",
            Kind.CODE,
            2,
            True,
            codes={code: label for code, (_f, label) in MILESTONES.items()},
        ),
        Column("day", "年月日", Kind.DATE, 8, note="削除 (訂正区分=3) のときは空欄可"),
        correction_column(),
    ),
)

CERT_RESULT = Layout(
    kind="cert_result",
    label="要介護認定結果",
    key=("insurer_no", "application_no"),
    ordered=(("valid_from", "valid_to"),),
    columns=(
        insurer_column(),
        application_column(),
        Column("outcome", "結果区分コード", Kind.CODE, 1, True, codes=OUTCOMES),
        Column(
            "care_level",
            "要介護状態区分コード",
            Kind.CODE,
            2,
            codes=RESULT_LEVELS,
            note="結果区分=1 のとき必須、それ以外は空欄",
        ),
        Column("decided_on", "結果年月日", Kind.DATE, 8, True),
        Column("valid_from", "認定有効期間開始年月日", Kind.DATE, 8),
        Column("valid_to", "認定有効期間終了年月日", Kind.DATE, 8),
        Column("panel_remarks", "介護認定審査会の意見", Kind.TEXT, 1000),
        correction_column(),
    ),
)


def _survey_columns() -> tuple[Column, ...]:
    cat = catalogue()
    columns: list[Column] = []
    for item in cat.items:
        label = f"{item.id} {item.name}"
        if item.multi:
            columns.append(
                Column(item.column, label, Kind.TEXT, 20, True, note="複数選択: 空白区切りのコード")
            )
        else:
            codes = {str(no): text for no, text in item.options.items()}
            columns.append(Column(item.column, label, Kind.CODE, 1, True, codes=codes))
    for no, text in cat.medical.items():
        columns.append(
            Column(f"medical_{no:02d}", f"特別な医療 {text}", Kind.CODE, 1, codes=MEDICAL_FLAGS)
        )
    return tuple(columns)


CERT_SURVEY = Layout(
    kind="cert_survey",
    label="認定調査結果",
    key=("insurer_no", "application_no"),
    columns=(
        insurer_column(),
        application_column(),
        Column("surveyed_on", "調査実施年月日", Kind.DATE, 8, True),
        *_survey_columns(),
        Column(
            "physical_independence",
            "障害高齢者の日常生活自立度",
            Kind.CODE,
            1,
            codes=PHYSICAL_INDEPENDENCE,
        ),
        Column(
            "dementia_independence",
            "認知症高齢者の日常生活自立度",
            Kind.CODE,
            1,
            codes=DEMENTIA_INDEPENDENCE,
        ),
        Column("overview", "概況調査", Kind.TEXT, 2000),
        Column("notes", "特記事項", Kind.TEXT, 8000),
        correction_column(),
    ),
)

CASE_LAYOUTS = (CERT_APPLICATION, CERT_MILESTONE, CERT_RESULT, CERT_SURVEY)
