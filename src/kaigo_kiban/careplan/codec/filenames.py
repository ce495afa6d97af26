"""File names of the care-plan standard.

v4 form (sender and receiver service types present)::

    <PREFIX>[_<YYYYMM>]_<sender office 10>_<sender type 2>
            _<receiver office 10>_<receiver type 2>_<YYYYMMDDHHMMSS>.CSV    (one line)

v3 form (no service types)::

    <PREFIX>[_<YYYYMM>]_<sender office 10>_<receiver office 10>_<YYYYMMDDHHMMSS>.CSV

The target month follows the prefix for UPPLAN, UPJSK, UPSIKYU, DLTPLAN, DLTJSK and UPHOSOKU
(``000000`` for a 利用者補足情報 sent with 第1〜3表).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from kaigo_kiban.careplan.codec.layouts import LAYOUTS, MONTH_PREFIXES
from kaigo_kiban.core.errors import FieldError, FileRejected
from kaigo_kiban.core.ids import is_office_no, is_service_type

_PREFIXES = sorted(LAYOUTS, key=len, reverse=True)
_MONTH = re.compile(r"[0-9]{4}(?:0[1-9]|1[0-2])")
_TIMESTAMP = re.compile(r"[0-9]{14}")


@dataclass(frozen=True, slots=True)
class FileName:
    """The parts of a care-plan file name; ``str(name)`` builds the name back exactly."""

    record_type: str
    sender_office_no: str
    receiver_office_no: str
    created_at: str  # YYYYMMDDHHMMSS (ファイル連番: send unit and import order)
    target_month: str | None = None
    sender_service_type: str | None = None  # None in the v3 form
    receiver_service_type: str | None = None
    extension: str = ".CSV"

    @property
    def form(self) -> str:
        """``"v4"`` when the service-type segments are present, else ``"v3"``."""
        return "v3" if self.sender_service_type is None else "v4"

    @property
    def created_at_datetime(self) -> datetime:
        """The timestamp as a naive datetime (Japan time, as written by the sender)."""
        return datetime.strptime(self.created_at, "%Y%m%d%H%M%S")

    def __str__(self) -> str:
        parts = [self.record_type]
        if self.target_month is not None:
            parts.append(self.target_month)
        parts.append(self.sender_office_no)
        if self.sender_service_type is not None:
            parts.append(self.sender_service_type)
        parts.append(self.receiver_office_no)
        if self.receiver_service_type is not None:
            parts.append(self.receiver_service_type)
        parts.append(self.created_at)
        return "_".join(parts) + self.extension


def build_file_name(name: FileName) -> str:
    """The file name for ``name``, after checking every part against the grammar.

    Raises ``FileRejected`` (codes ``CP-FILE-NAME*``) when a part is invalid.
    """
    text = str(name)
    parsed, errors = check_file_name(text)
    if errors or parsed != name:
        raise FileRejected("ファイル名が規約に合いません", errors or [_name_error(text, "構成")])
    return text


def parse_file_name(name: str) -> FileName:
    """Parse a care-plan file name (a bare name or a path).

    Raises ``FileRejected`` listing every problem (codes ``CP-FILE-NAME*``).
    """
    parsed, errors = check_file_name(name)
    if parsed is None or errors:
        raise FileRejected("ファイル名が規約に合いません", errors)
    return parsed


def check_file_name(name: str) -> tuple[FileName | None, list[FieldError]]:
    """Parse ``name`` without raising: the parsed name (if the shape allows) and all problems."""
    base = PurePath(name).name
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.upper() != "CSV":
        return None, [_name_error(base, "拡張子（.CSV）", "CP-FILE-NAME-EXTENSION")]
    prefix = next((p for p in _PREFIXES if stem.startswith(p + "_")), None)
    if prefix is None:
        return None, [_name_error(base, "種別（先頭）", "CP-FILE-NAME-PREFIX")]
    segments = stem[len(prefix) + 1 :].split("_")
    errors: list[FieldError] = []
    month = None
    if prefix in MONTH_PREFIXES:
        month = segments.pop(0)
        zero_allowed = prefix == "UPHOSOKU" and month == "000000"
        if not (zero_allowed or _MONTH.fullmatch(month)):
            errors.append(_name_error(base, "対象年月", "CP-FILE-NAME-MONTH", month))
    if len(segments) == 5:
        sender, sender_type, receiver, receiver_type, stamp = segments
    elif len(segments) == 3:
        sender, receiver, stamp = segments
        sender_type = receiver_type = None
    else:
        errors.append(_name_error(base, "区切りの数", "CP-FILE-NAME-SEGMENTS"))
        return None, errors
    for label, value in (("送信元事業所番号", sender), ("送信先事業所番号", receiver)):
        if not is_office_no(value):
            errors.append(_name_error(base, label, "CP-FILE-NAME-OFFICE", value))
    for label, value in (
        ("送信元サービス種類", sender_type),
        ("送信先サービス種類", receiver_type),
    ):
        if value is not None and not is_service_type(value):
            errors.append(_name_error(base, label, "CP-FILE-NAME-SERVICE-TYPE", value))
    if not _valid_timestamp(stamp):
        errors.append(
            _name_error(base, "作成日時（YYYYMMDDHHMMSS）", "CP-FILE-NAME-TIMESTAMP", stamp)
        )
    parsed = FileName(
        record_type=prefix,
        sender_office_no=sender,
        receiver_office_no=receiver,
        created_at=stamp,
        target_month=month,
        sender_service_type=sender_type,
        receiver_service_type=receiver_type,
        extension="." + ext,
    )
    return parsed, errors


def _valid_timestamp(stamp: str) -> bool:
    if not _TIMESTAMP.fullmatch(stamp):
        return False
    try:
        datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def _name_error(
    base: str, part: str, code: str = "CP-FILE-NAME", value: str | None = None
) -> FieldError:
    return FieldError(
        code=code,
        message=f"ファイル名の{part}が規約に合いません",
        value=base if value is None else value,
        field="file_name",
        file=base,
    )
