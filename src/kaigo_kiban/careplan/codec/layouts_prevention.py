"""Layouts of the 介護予防 files (UPKIHON, UPYOBO and their sub files and deletes).

The domain reference gives only the item counts of UPKIHON (71) and UPYOBO (57), the names of
the items of the sub files and a few code lists, not the column positions. These layouts
therefore model only what is given: column 1 is the CSV version (true of every file of the
standard); columns 2–3 (保険者番号, 被保険者番号) follow the pattern of every other file and are
**inferred**; the named items of the sub files are placed in the order given, also
**inferred**; every other column is an anonymous text column. Every problem found in an
inferred column, and a column count that differs from the model, is a warning, never a
rejection. The code lists whose position is unknown are kept in
``columns.UNPLACED_CODE_LISTS`` for the documentation.
"""

from __future__ import annotations

from kaigo_kiban.careplan.codec.columns import (
    ATTENDING_FLAG_CODES,
    COURSE_CODES,
    Column,
    Kind,
    Layout,
    col,
    key_columns,
    numbered,
)


def _anonymous(first: int, last: int) -> list[Column]:
    """Text columns ``item_NN`` whose meaning and position are not known."""
    return [
        col(f"項目{n}", f"item_{n:02d}", Kind.TEXT, inferred=True) for n in range(first, last + 1)
    ]


def _inferred(name_ja: str, name: str, kind: Kind, **kw) -> Column:
    return col(name_ja, name, kind, inferred=True, **kw)


UPKIHON = Layout(
    "UPKIHON",
    "利用者基本情報（介護予防）",
    numbered(key_columns(inferred=True), _anonymous(4, 71)),
    count_certain=False,
    inferred=True,
    note="71項目。計画種類・委託の有無・自立度のコード表は位置未確認。",
)

UPKIHON_SUB1 = Layout(
    "UPKIHON_SUB1",
    "利用者基本情報 相談記録（介護予防）",
    numbered(
        key_columns(inferred=True),
        [
            _inferred("相談日", "consultation_date", Kind.DATE),
            _inferred("時間", "consultation_time", Kind.TEXT),
            _inferred("本人の生活状況", "self_situation", Kind.TEXT),
            _inferred("介護者・家族の生活状況", "family_situation", Kind.TEXT),
        ],
    ),
    count_certain=False,
    inferred=True,
)

UPKIHON_SUB2 = Layout(
    "UPKIHON_SUB2",
    "利用者基本情報 病歴（介護予防）",
    numbered(
        key_columns(inferred=True),
        [
            _inferred("年月日", "record_date", Kind.DATE),
            _inferred("病名", "disease", Kind.TEXT),
            _inferred("医療機関・医師名", "institution_doctor", Kind.TEXT),
            _inferred("主治医フラグ", "attending_flag", Kind.CODE, codes=ATTENDING_FLAG_CODES),
            _inferred("電話", "phone", Kind.TEXT),
            _inferred("経過", "course", Kind.CODE, codes=COURSE_CODES),
            _inferred("治療中の内容", "treatment", Kind.TEXT),
        ],
    ),
    count_certain=False,
    inferred=True,
)

UPYOBO = Layout(
    "UPYOBO",
    "介護予防サービス・支援計画書",
    numbered(key_columns(inferred=True), _anonymous(4, 57)),
    count_certain=False,
    inferred=True,
    note="57項目。要支援状態区分（1 要支援1, 2 要支援2, 3 地域支援事業）は位置未確認。",
)

UPYOBO_SUB = Layout(
    "UPYOBO_SUB",
    "介護予防サービス・支援計画書 明細",
    numbered(
        key_columns(inferred=True),
        [
            _inferred("課題NO", "issue_no", Kind.INT),
            _inferred("支援計画NO", "support_plan_no", Kind.INT),
            _inferred("利用サービスNO", "used_service_no", Kind.INT),
        ],
    ),
    count_certain=False,
    inferred=True,
    note="課題NO・支援計画NO・利用サービスNOで入れ子になる。残りの項目は未確認。",
)

DLTKIHON = Layout(
    "DLTKIHON",
    "利用者基本情報削除（介護予防）",
    numbered(key_columns(inferred=True)),
    count_certain=False,
    inferred=True,
    note="削除キーの項目は未確認。",
)

DLTYOBO = Layout(
    "DLTYOBO",
    "介護予防サービス・支援計画書削除",
    numbered(key_columns(inferred=True)),
    count_certain=False,
    inferred=True,
    note="削除キーの項目は未確認。",
)

PREVENTION_LAYOUTS: tuple[Layout, ...] = (
    UPKIHON,
    UPKIHON_SUB1,
    UPKIHON_SUB2,
    UPYOBO,
    UPYOBO_SUB,
    DLTKIHON,
    DLTYOBO,
)
