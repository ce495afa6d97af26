"""Pure account rules: who is acting (``Actor``), lockout, password policy, job types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kaigo_kiban.codes.service_types import CARE_MGMT_TYPES, FACILITY_TYPES
from kaigo_kiban.core.errors import PermissionDenied

PERSON_TOKEN_PREFIX = "kkp_"  # person sessions and API tokens; staff tokens start kka_/kkr_

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


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``kind`` is staff | municipality | person | operator | system."""

    kind: str
    display_name: str
    account_id: int | None = None
    organization_id: int | None = None
    organization_kind: str | None = None  # office | medical | municipality | operator
    organization_code: str | None = None
    organization_name: str | None = None
    service_types: tuple[str, ...] = ()
    job_type: str | None = None
    insurer_no: str | None = None  # municipality: its insurer; person: their own
    insured_no: str | None = None  # person: themself
    cert_serial: str | None = None
    proxy_for: str | None = None  # proxy: a label naming the proxy (audited)
    proxy_grant_id: int | None = None  # proxy: the grant it acts under (the gate checks it)
    request_id: str | None = None
    is_org_admin: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def groups(self) -> tuple[str, ...]:
        """Policy groups this actor falls in (an office may provide several service types)."""
        if self.kind == "person":
            return ("person",)
        if self.organization_kind == "municipality":
            return ("municipality",)
        if self.organization_kind == "medical":
            return ("medical",)
        if self.organization_kind == "office":
            types = set(self.service_types)
            groups = []
            if types & CARE_MGMT_TYPES:
                groups.append("care_mgmt")
            if types & FACILITY_TYPES:
                groups.append("facility")
            if types - CARE_MGMT_TYPES - FACILITY_TYPES:
                groups.append("home_service")
            return tuple(groups)
        return ("operator",)


class OperatorOnly(PermissionDenied):
    code = "PTL-OPERATOR-ONLY"


def require_operator(actor: Actor | None) -> Actor:
    """Operators (国保中央会) only: the readiness import and the help desk's upkeep."""
    if actor is None or actor.organization_kind != "operator":
        raise OperatorOnly("この操作は運用担当者だけが行えます")
    return actor
