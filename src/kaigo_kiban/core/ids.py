"""Identifier rules: numbers that identify things are strings, validated at the edge.

These are pure checks used by every codec and request schema so that a 9-digit or
non-numeric number is rejected the same way everywhere.
"""

from __future__ import annotations

import re

_DIGITS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (2, 6, 10)}
_SERVICE_TYPE = re.compile(r"[0-9A-Z]{2}")
_SERVICE_CODE = re.compile(r"[0-9A-Z]{6}")
_PUBLIC_ASSISTANCE_NO = re.compile(r"H[0-9]{9}")


def is_insurer_no(value: str) -> bool:
    """保険者番号: 6 digits whose first two are a prefecture code 01–47.

    The national check-digit rule for 介護保険 insurer numbers is not public (広域連合 numbers
    are allocated separately), so only the shape and the prefecture are checked.
    """
    return bool(_DIGITS[6].fullmatch(value)) and 1 <= int(value[:2]) <= 47


def is_insured_no(value: str, *, allow_public_assistance: bool = False) -> bool:
    """被保険者番号: 10 digits; ``H`` + 9 digits for 生活保護単独 in care-plan files."""
    if _DIGITS[10].fullmatch(value):
        return True
    return allow_public_assistance and bool(_PUBLIC_ASSISTANCE_NO.fullmatch(value))


def is_office_no(value: str) -> bool:
    """事業所番号: 10 digits."""
    return bool(_DIGITS[10].fullmatch(value))


def is_service_type(value: str) -> bool:
    """サービス種類コード: 2 characters, usually digits (``2A`` and ``A2`` exist)."""
    return bool(_SERVICE_TYPE.fullmatch(value))


def is_service_code(value: str) -> bool:
    """サービスコード: 6 characters (type + 4 item characters)."""
    return bool(_SERVICE_CODE.fullmatch(value))


def is_municipality_code(value: str) -> bool:
    """全国地方公共団体コード: 6 digits including the check digit, prefecture 01–47."""
    if not _DIGITS[6].fullmatch(value) or not 1 <= int(value[:2]) <= 47:
        return False
    return municipality_check_digit(value[:5]) == int(value[5])


def municipality_check_digit(first_five: str) -> int:
    """Check digit of a 地方公共団体コード (総務省: weights 6..2, modulus 11)."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10
