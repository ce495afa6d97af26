"""Pure PKI rules: certificate profiles, serial numbers, validity, and the office-match rule.

No I/O and no cryptography here: these are the decisions the service and the TLS layer apply.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from kaigo_kiban.core.errors import InvalidInput, PermissionDenied
from kaigo_kiban.core.ids import is_office_no

# Subject organisational-unit values that say what a certificate is for. The client
# certificate of an office terminal carries OU=office and the 事業所番号 in serialNumber.
OU_OFFICE = "office"
OU_PHYSICIAN = "physician"
OU_SERVER = "server"
OU_CA = "ca"

KINDS = {
    "client": "事業所端末のクライアント証明書",
    "doctor": "医師の署名用証明書",
    "server": "サーバ証明書",
    "card": "利用者証明用電子証明書 (デモ)",
}
VALIDITY_YEARS = (1, 3)  # 国保連 issue 1- or 3-year certificates (docs/domain.md §1.3)
CA_VALIDITY_YEARS = 20
CLOCK_SKEW = dt.timedelta(minutes=5)  # not_before is backdated so slightly slow clocks accept it
RENEWAL_NOTICE_DAYS = 90
CRL_VALIDITY_DAYS = 7
REVOCATION_REASONS = {
    "unspecified": "理由の指定なし",
    "key_compromise": "秘密鍵の漏えい",
    "affiliation_changed": "所属の変更",
    "superseded": "更新による置換",
    "cessation_of_operation": "事業所の廃止・端末の廃棄",
}

_HEX_SERIAL = re.compile(r"[0-9A-F]{1,40}")
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")
MAX_NAME_BYTES = 64  # X.520 ub-common-name, counted in UTF-8 bytes by the encoder


def check_validity_years(years: int) -> int:
    """Leaf certificates are issued for 1 or 3 years only."""
    if years not in VALIDITY_YEARS:
        raise InvalidInput(
            "有効期間は1年または3年を指定してください",
            code="PKI-VALIDITY-YEARS",
            details={"value": years},
        )
    return years


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    """``moment`` plus whole calendar years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def check_office_no(office_no: str) -> str:
    if not is_office_no(office_no):
        raise InvalidInput(
            "事業所番号は10桁の数字です", code="PKI-OFFICE-NO", details={"value": office_no}
        )
    return office_no


def check_terminal_name(name: str) -> str:
    """A terminal (or doctor) name goes into the certificate's CN: at most 64 UTF-8 bytes."""
    name = name.strip()
    if not _PRINTABLE.fullmatch(name) or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InvalidInput(
            "名称は64バイト (全角なら21文字) 以内で、制御文字を含めないでください",
            code="PKI-TERMINAL-NAME",
            details={"value": name[:80]},
        )
    return name


def format_serial(serial: int) -> str:
    """Serial numbers are shown as upper-case hexadecimal of even length (as OpenSSL does)."""
    text = f"{serial:X}"
    return text if len(text) % 2 == 0 else "0" + text


def parse_serial(text: str) -> int:
    """Accept ``3A:4F…``, ``0x3a4f…`` or ``3A4F…`` (hexadecimal only)."""
    cleaned = text.strip().upper().removeprefix("0X").replace(":", "").replace(" ", "")
    if not _HEX_SERIAL.fullmatch(cleaned):
        raise InvalidInput(
            "シリアル番号は16進数で指定してください (例: 3A4F…)",
            code="PKI-SERIAL",
            details={"value": text[:80]},
        )
    return int(cleaned, 16)


def check_revocation_reason(reason: str) -> str:
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(
            "失効理由が正しくありません (" + " / ".join(REVOCATION_REASONS) + ")",
            code="PKI-REVOCATION-REASON",
            details={"value": reason},
        )
    return reason


def next_crl_update(now: dt.datetime, previous: dt.datetime | None) -> dt.datetime:
    """``thisUpdate`` of a new CRL: backdated by the clock skew, to the second, and strictly
    after the previous CRL's.

    OpenSSL prefers the CRL with the later ``thisUpdate`` when several from one issuer are
    loaded, so a running server that loads a newer CRL must see a strictly later time. The
    backdating keeps a burst of revocations (and a server whose clock runs a little behind
    the CA's) from producing a CRL that is "not yet valid", which would refuse everyone.
    """
    moment = (now - CLOCK_SKEW).replace(microsecond=0)
    if previous is not None and moment <= previous:
        moment = previous + dt.timedelta(seconds=1)
    return moment


class OfficeMismatch(PermissionDenied):
    """The terminal's client certificate belongs to another office than the signed-in staff."""

    code = "PKI-OFFICE-MISMATCH"


class _ActorLike(Protocol):
    @property
    def organization_kind(self) -> str | None: ...

    @property
    def organization_code(self) -> str | None: ...


def check_office_match(cert_office_no: str | None, actor: _ActorLike) -> None:
    """Raise :class:`OfficeMismatch` when a terminal certificate and the account disagree.

    ``cert_office_no`` is ``None`` when the request did not come over mutual TLS (plain
    HTTP behind a terminating proxy, tests): nothing to compare. A terminal certificate is
    issued to one office, so only staff of that very office may sign in from it.
    """
    if cert_office_no is None:
        return
    if actor.organization_kind == "office" and actor.organization_code == cert_office_no:
        return
    raise OfficeMismatch(
        f"この端末のクライアント証明書は事業所番号 {cert_office_no} 用です。"
        "ログインしたアカウントの事業所と一致しないため利用できません",
        details={"cert_office_no": cert_office_no},
    )
