"""Pure FHIR R4 rules: identifier systems, resource ids, search parameters, outcomes, bundles.

The identifier systems are explained in docs/fhir.md: JP Core's system for the 医療機関コード,
project-defined systems for what no published Japanese FHIR guide names yet (保険者番号,
被保険者番号 per insurer, 介護保険事業所番号).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from kaigo_kiban.core.errors import InvalidInput, NotFound

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"
JST = ZoneInfo("Asia/Tokyo")

_BASE = "https://kaigo-kiban.example/fhir"
SID_INSURER_NO = f"{_BASE}/sid/insurer-no"
SID_INSURED_NO = f"{_BASE}/sid/insured-no"  # + "/<保険者番号>": one namespace per insurer
SID_OFFICE_NO = f"{_BASE}/sid/office-no"
SID_STAFF_ACCOUNT = f"{_BASE}/sid/staff-account"
SID_MEDICAL_CODE = "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no"
CS_CARE_LEVEL = f"{_BASE}/CodeSystem/care-level"
CS_SERVICE_TYPE = f"{_BASE}/CodeSystem/service-type"
CS_JOB_TYPE = f"{_BASE}/CodeSystem/job-type"
CS_DATA_KIND = f"{_BASE}/CodeSystem/data-kind"
CS_ERROR_CODE = f"{_BASE}/CodeSystem/error-code"
CS_CONSENT_SOURCE = f"{_BASE}/CodeSystem/consent-source"
CS_LIFE = f"{_BASE}/CodeSystem/life-item"
EXT_CARE_LEVEL = f"{_BASE}/StructureDefinition/care-level"
EXT_CERT_PERIOD = f"{_BASE}/StructureDefinition/certification-period"
EXT_LIMIT_UNITS = f"{_BASE}/StructureDefinition/benefit-limit-units"
EXT_APPLICATION_PENDING = f"{_BASE}/StructureDefinition/application-pending"
EXT_BENEFIT_RESTRICTION = f"{_BASE}/StructureDefinition/benefit-restriction"
EXT_ADDRESS_EXCEPTION = f"{_BASE}/StructureDefinition/address-exception"
EXT_PLATFORM_FACT = f"{_BASE}/StructureDefinition/platform-derived"
EXT_CONSENT_SOURCE = f"{_BASE}/StructureDefinition/consent-source"
EXT_EN_REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

_PATIENT_ID = re.compile(r"^([0-9]{6})-([0-9]{10})$")
_COVERAGE_ID = re.compile(r"^([0-9]{6})-([0-9]{10})-([0-9]{1,9})$")
_ORG_ID = re.compile(r"^(insurer|office|medical|municipality)-([0-9A-Za-z]{1,10})$")
_NUMERIC_ID = re.compile(r"^[0-9]{1,10}$")
_MAX_ROW_ID = 2**31 - 1


def is_number(value: str, length: int) -> bool:
    """``length`` ASCII digits (保険者番号 6, 被保険者番号 10)."""
    return len(value) == length and value.isascii() and value.isdigit()


def insured_system(insurer_no: str) -> str:
    return f"{SID_INSURED_NO}/{insurer_no}"


def patient_id(insurer_no: str, insured_no: str) -> str:
    return f"{insurer_no}-{insured_no}"


def coverage_id(insurer_no: str, insured_no: str, history_no: int) -> str:
    return f"{insurer_no}-{insured_no}-{history_no}"


def not_found(kind: str) -> NotFound:
    return NotFound(f"{kind} が見つかりません", code="FHIR-NOT-FOUND")


def parse_patient_id(value: str) -> tuple[str, str]:
    """``131016-0000000001`` → (保険者番号, 被保険者番号); anything else is not found."""
    m = _PATIENT_ID.match(value)
    if not m:
        raise not_found("Patient")
    return m.group(1), m.group(2)


def parse_coverage_id(value: str) -> tuple[str, str, int]:
    m = _COVERAGE_ID.match(value)
    if not m:
        raise not_found("Coverage")
    return m.group(1), m.group(2), int(m.group(3))


def parse_organization_id(value: str) -> tuple[str, str]:
    """``office-1310000011`` → ("office", "1310000011"); ``insurer-131016`` for an insurer."""
    m = _ORG_ID.match(value)
    if not m:
        raise not_found("Organization")
    return m.group(1), m.group(2)


def parse_numeric_id(value: str, kind: str) -> int:
    if not _NUMERIC_ID.match(value) or int(value) > _MAX_ROW_ID:
        raise not_found(kind)
    return int(value)


def patient_reference(value: str | None) -> tuple[str, str]:
    """``patient`` / ``beneficiary`` search values: ``Patient/<id>``, ``<id>`` or a full URL."""
    if not value:
        raise InvalidInput(
            "patient (または beneficiary) に Patient の参照を指定してください",
            code="FHIR-PATIENT-REQUIRED",
        )
    tail = value.rstrip("/").split("/")
    if len(tail) >= 2 and tail[-2] != "Patient":
        raise InvalidInput("Patient の参照を指定してください", code="FHIR-REFERENCE-INVALID")
    m = _PATIENT_ID.match(tail[-1])
    if not m:
        raise InvalidInput(
            "Patient の id は <保険者番号>-<被保険者番号> です", code="FHIR-REFERENCE-INVALID"
        )
    return m.group(1), m.group(2)


@dataclass(frozen=True)
class Token:
    """A token search value ``system|value``; ``system`` None means any system."""

    system: str | None
    value: str


def parse_token(value: str) -> Token:
    system, sep, code = value.partition("|")
    if not sep:
        return Token(None, value)
    return Token(system or None, code)


@dataclass(frozen=True)
class DateRange:
    """[since, until) in UTC; either end may be open."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def contains(self, moment: dt.datetime) -> bool:
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )


_DATE_VALUE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?)$")


def _date_error(value: str) -> InvalidInput:
    return InvalidInput(
        f"date の値が不正です: {value[:40]} (例: 2026-04-01, ge2026-04-01, le2026-04)",
        code="FHIR-DATE-INVALID",
    )


def _period(text: str) -> tuple[dt.date, dt.date]:
    """The first day and the day after the last day of a YYYY, YYYY-MM or YYYY-MM-DD value."""
    parts = [int(p) for p in text.split("-")]
    try:
        if len(parts) == 1:
            return dt.date(parts[0], 1, 1), dt.date(parts[0] + 1, 1, 1)
        if len(parts) == 2:
            first = dt.date(parts[0], parts[1], 1)
            nxt = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return first, nxt
        day = dt.date(*parts)
    except ValueError:
        raise _date_error(text) from None
    return day, day + dt.timedelta(days=1)


def _jst_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=JST).astimezone(dt.UTC)


def parse_date_range(values: list[str]) -> DateRange:
    """``date`` parameters (repeatable) with prefixes eq, ge, gt, le, lt; days are JST days."""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    for value in values:
        m = _DATE_VALUE.match(value)
        if not m or m.group(1) in ("ne", "sa", "eb", "ap"):
            raise _date_error(value)
        prefix = m.group(1) or "eq"
        try:
            first, after = _period(m.group(2))
            low_day = {"eq": first, "ge": first, "gt": after}.get(prefix)
            high_day = {"eq": after, "le": after, "lt": first}.get(prefix)
            lower = _jst_start(low_day) if low_day else None
            upper = _jst_start(high_day) if high_day else None
        except OverflowError:
            raise _date_error(value) from None
        if lower is not None and (since is None or lower > since):
            since = lower
        if upper is not None and (until is None or upper < until):
            until = upper
    return DateRange(since, until)


def parse_day(value: str | None) -> dt.date | None:
    """Coverage ``date``: the day the card must be valid on (``eq`` prefix allowed)."""
    if not value:
        return None
    text = value.removeprefix("eq")
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise _date_error(value)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _date_error(value) from None


def split_name(name: str) -> tuple[str | None, list[str]]:
    """``山田 太郎`` → ("山田", ["太郎"]) on the first space (half- or full-width)."""
    parts = re.split(r"[ \u3000]+", name.strip(), maxsplit=1)
    if len(parts) == 2:
        return parts[0], [parts[1]]
    return None, []


# --- responses -------------------------------------------------------------------------------

_ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict"}


def operation_outcome(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """An OperationOutcome carrying the stable error code in ``details.coding``."""
    issue: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": _ISSUE_TYPES.get(status, "invalid" if status == 422 else "exception"),
        "details": {"coding": [{"system": CS_ERROR_CODE, "code": code}], "text": message},
    }
    if details:
        issue["diagnostics"] = str(details)[:2000]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def searchset(
    resources: list[dict[str, Any]],
    base: str,
    self_url: str,
    next_url: str | None,
    total: int | None = None,
) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
    if total is not None:
        bundle["total"] = total
    if next_url:
        bundle["link"].append({"relation": "next", "url": next_url})
    return bundle


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str
    documentation: str


@dataclass(frozen=True)
class ResourceSupport:
    type: str
    read: bool
    search: tuple[SearchParam, ...]
    documentation: str


def capability_statement(
    resources: list[ResourceSupport], base: str, version: str, today: dt.date
) -> dict[str, Any]:
    """What this server offers (``GET /fhir/metadata``)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": today.isoformat(),
        "publisher": "kaigo-kiban",
        "kind": "instance",
        "software": {"name": "kaigo-kiban", "version": version},
        "implementation": {
            "description": "介護情報基盤 (kaigo-kiban) の FHIR R4 参照用インタフェース",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "読み取り専用。閲覧はすべて権限を確認し、監査ログに記録します。",
                "security": {
                    "cors": False,
                    "description": "POST /api/v1/auth/token (ID・パスワード・ワンタイムパスワード) で"
                    "得たアクセストークンを Authorization: Bearer で送ります。"
                    "本番ではクライアント証明書 (TLS 1.3) も必要です。",
                },
                "resource": [
                    {
                        "type": r.type,
                        "documentation": r.documentation,
                        "interaction": ([{"code": "read"}] if r.read else [])
                        + ([{"code": "search-type"}] if r.search else []),
                        **(
                            {
                                "searchParam": [
                                    {
                                        "name": p.name,
                                        "type": p.type,
                                        "documentation": p.documentation,
                                    }
                                    for p in r.search
                                ]
                            }
                            if r.search
                            else {}
                        ),
                    }
                    for r in resources
                ],
            }
        ],
    }
