"""Pure account rules: lockout, password policy, job types."""

from __future__ import annotations

import datetime as dt

JOB_TYPES = {
    "care_manager": "介護支援専門員",
    "care_worker": "介護職員",
    "nurse": "看護職員",
    "counselor": "生活相談員",
    "clerk": "事務職員",
    "manager": "管理者",
    "therapist": "機能訓練指導員・リハビリ職",
    "physician": "医師",
    "medical_clerk": "医療事務職員",
    "municipal_staff": "市町村職員",
    "operator": "運用担当者",
}

LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 10


def is_locked(locked_until: dt.datetime | None, now: dt.datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(
    failures: int, max_failures: int, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """New failure count and lock deadline after one more failed sign-in."""
    failures += 1
    if failures >= max_failures:
        return 0, now + dt.timedelta(minutes=LOCKOUT_MINUTES)
    return failures, None


def password_problems(password: str) -> list[str]:
    """Japanese reasons a new password is refused (empty when acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3:
        problems.append("英大文字・英小文字・数字・記号のうち3種類以上を含めてください")
    return problems
