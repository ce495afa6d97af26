"""Column model of the care-plan CSV files (ケアプランデータ連携標準仕様 v4.1).

Every column of every record type is declared exactly once, in ``layouts*.py``; the codec,
the validators, the JSON form and ``docs/careplan-format.md`` are all derived from these tables.

Where the official layout copy was unclear (``?`` in the domain reference) the column carries
an ``uncertain`` marker and a violation is reported as a warning. Where the column list itself
is not known (the 予防 files) the layout is modelled from what is known and marked ``inferred``:
every problem in an inferred column is a warning, never a rejection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import chain

#: Accepted CSV version values (column 1 of every row) and the standard they stand for.
ACCEPTED_VERSIONS: Mapping[str, str] = {
    "202407": "v4.1 (R6.10, service months from 2025-04)",
    "202504": "v4.0",
    "202208": "v3.x (2023-01)",
}


class Kind(StrEnum):
    """Value type of a column."""

    VERSION = "version"  # 6 digits, one of ACCEPTED_VERSIONS, one per file
    DATE = "date"  # YYYYMMDD, a real calendar date, years 1900–2099
    MONTH = "month"  # YYYYMM
    TIME = "time"  # HHMM, 0000–2359 or 2400
    INT = "int"  # unsigned decimal integer
    DIGITS = "digits"  # string of digits (an identifier, leading zeros matter)
    CODE = "code"  # one value of a code list
    TEXT = "text"  # free text, written in double quotes
    INSURER_NO = "insurer_no"  # 保険者番号: 6 digits, prefecture 01–47
    INSURED_NO = "insured_no"  # 被保険者番号: 10 digits, or H + 9 digits (生活保護単独)
    OFFICE_NO = "office_no"  # 事業所番号: 10 digits
    SERVICE_TYPE = "service_type"  # サービス種類コード: 2 of [0-9A-Z]
    SERVICE_CODE = "service_code"  # サービスコード: 6 of [0-9A-Z]
    DECIMAL = "decimal"  # digits with an optional decimal point
    BITMAP = "bitmap"  # 31 characters of 0/1, one per day of the month
    POSTAL = "postal"  # XXX-XXXX
    TAIS = "tais"  # TAISコード: 5 digits - 6 digits


#: Which facts of a column were unclear in the official copy (reported as warnings).
UNCERTAIN_REQUIRED = "required"
UNCERTAIN_LENGTH = "length"
UNCERTAIN_CODES = "codes"  # the code list may be incomplete
UNCERTAIN_VALUE = "value"  # the whole value format is unclear


@dataclass(frozen=True, slots=True, eq=False)
class Column:
    """One column: position, names, type, size, requirement and allowed values.

    Compared and hashed by identity: columns are module constants and key compiled caches.
    """

    no: int
    name_ja: str
    name: str
    kind: Kind
    max_length: int | None = None
    required: bool = False
    codes: Mapping[str, str] | None = None
    specials: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_doc: str | None = None
    uncertain: frozenset[str] = frozenset()
    inferred: bool = False
    note: str = ""


@dataclass(frozen=True, eq=False)
class Layout:
    """The column table of one record type plus the file-level consistency rules."""

    record_type: str
    name_ja: str
    columns: tuple[Column, ...]
    month_in_name: bool = False
    month_column: str | None = None  # must equal the file-name month (and be one per file)
    sender_columns: tuple[str, ...] = ()  # must equal the sender office of the file name
    sender_type_column: str | None = None  # must equal the sender service type (v4 names)
    count_certain: bool = True
    inferred: bool = False
    note: str = ""
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {c.name: i for i, c in enumerate(self.columns)}
        if len(names) != len(self.columns):
            raise ValueError(f"duplicate column names in {self.record_type}")
        if [c.no for c in self.columns] != list(range(1, len(self.columns) + 1)):
            raise ValueError(f"columns of {self.record_type} are not numbered 1..n")
        object.__setattr__(self, "index", names)

    @property
    def width(self) -> int:
        """Number of declared columns."""
        return len(self.columns)

    def column(self, name: str) -> Column:
        """The column with English identifier ``name``."""
        return self.columns[self.index[name]]


SEX_CODES = {"1": "男性", "2": "女性"}
#: 要介護状態区分 as used for the limit table; other values (e.g. 非該当) are not listed in the
#: reference, so the list is open: an unlisted value is a warning.
CARE_LEVEL_CODES = {
    "12": "要支援1",
    "13": "要支援2",
    "21": "要介護1",
    "22": "要介護2",
    "23": "要介護3",
    "24": "要介護4",
    "25": "要介護5",
}
PLAN_KIND_CODES = {
    "11": "初回",
    "12": "紹介",
    "21": "継続",
    "51": "初回＆紹介",
    "52": "初回＆継続",
    "53": "紹介＆継続",
    "54": "初回＆紹介＆継続",
}
LIVING_SUPPORT_REASON_CODES = {"1": "一人暮らし", "2": "家族等が障害、疾病等", "3": "その他"}
INSURANCE_FLAG_CODES = {"Y": "保険対象", "N": "保険対象外"}
WEEKDAY_CODES = {"1": "月", "2": "火", "3": "水", "4": "木", "5": "金", "6": "土", "7": "日"}
OVER_30_DAYS_CODES = {"1": "該当", "0": "非該当"}

# 予防 code lists whose column positions are not known (documented, not attached to columns).
PREVENTION_PLAN_KIND_CODES = {"1": "介護予防支援", "2": "介護予防ケアマネジメント"}
DELEGATION_CODES = {"1": "自前", "2": "委託"}
PHYSICAL_INDEPENDENCE_CODES = {
    "01": "自立",
    "11": "J1",
    "12": "J2",
    "21": "A1",
    "22": "A2",
    "31": "B1",
    "32": "B2",
    "41": "C1",
    "42": "C2",
}
DEMENTIA_INDEPENDENCE_CODES = {
    "01": "自立",
    "02": "Ⅰ",
    "03": "Ⅱa",
    "04": "Ⅱb",
    "05": "Ⅲa",
    "06": "Ⅲb",
    "07": "Ⅳ",
    "08": "M",
}
SUPPORT_LEVEL_CODES = {"1": "要支援1", "2": "要支援2", "3": "地域支援事業"}
ATTENDING_FLAG_CODES = {"1": "1", "2": "2"}
COURSE_CODES = {"01": "治療中", "02": "経過観察中", "03": "その他"}

#: Code lists of the 予防 files whose column positions are unknown, for the documentation.
UNPLACED_CODE_LISTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "UPKIHON 計画種類": ("plan_kind", PREVENTION_PLAN_KIND_CODES),
    "UPKIHON 委託の有無": ("delegation", DELEGATION_CODES),
    "UPKIHON 障害高齢者自立度": ("physical_independence", PHYSICAL_INDEPENDENCE_CODES),
    "UPKIHON 認知症自立度": ("dementia_independence", DEMENTIA_INDEPENDENCE_CODES),
    "UPYOBO 要支援状態区分": ("support_level", SUPPORT_LEVEL_CODES),
}

Q = frozenset  # shorthand for uncertainty sets below


def key_columns(*, required: bool = True, inferred: bool = False) -> list[Column]:
    """Columns 1–3 shared by every record type: version, insurer, insured person."""
    return [
        Column(1, "CSVバージョン", "csv_version", Kind.VERSION, 6, True),
        Column(2, "保険者番号", "insurer_no", Kind.INSURER_NO, 6, required, inferred=inferred),
        Column(3, "被保険者番号", "insured_no", Kind.INSURED_NO, 10, required, inferred=inferred),
    ]


def numbered(*parts: Iterable[Column]) -> tuple[Column, ...]:
    """Join column fragments and number them so ``no`` always equals position + 1."""
    return tuple(replace(c, no=i) for i, c in enumerate(chain(*parts), start=1))


def col(name_ja: str, name: str, kind: Kind, max_length: int | None = None, **kw) -> Column:
    """A column whose number is assigned by position (see ``numbered``)."""
    if max_length is None:
        max_length = _DEFAULT_LENGTH.get(kind)
    return Column(0, name_ja, name, kind, max_length, **kw)


_DEFAULT_LENGTH = {
    Kind.DATE: 8,
    Kind.MONTH: 6,
    Kind.TIME: 4,
    Kind.INSURER_NO: 6,
    Kind.INSURED_NO: 10,
    Kind.OFFICE_NO: 10,
    Kind.SERVICE_TYPE: 2,
    Kind.SERVICE_CODE: 6,
    Kind.BITMAP: 31,
    Kind.POSTAL: 8,
    Kind.TAIS: 12,
}

UPDATER = col("更新業者コード", "updater_office_no", Kind.OFFICE_NO)
OVER_30_DAYS = col(
    "３０日超区分", "over_30_days", Kind.CODE, 1, required=True, codes=OVER_30_DAYS_CODES
)


def care_level(name_ja: str = "要介護状態区分", name: str = "care_level") -> Column:
    """A 要介護状態区分 column (open code list: other values warn)."""
    return col(name_ja, name, Kind.CODE, 2, codes=CARE_LEVEL_CODES, uncertain=Q({UNCERTAIN_CODES}))


IDENTIFIER = col("識別子", "identifier", Kind.TEXT, note="未使用")
