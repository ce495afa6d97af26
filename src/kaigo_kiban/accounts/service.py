"""Sign-in, web sessions, API tokens and system keys.

Secrets are random 256-bit values shown once; only their SHA-256 is stored, so a leaked
database does not leak usable credentials. Passwords use argon2id; one-time passwords are
TOTP (RFC 6238) and a code is accepted once only.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kaigo_kiban.accounts import rules
from kaigo_kiban.accounts.models import Credential, PersonSession, StaffAccount
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.database import keep
from kaigo_kiban.core.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry import service as registry

_hasher = PasswordHasher()


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_account(
    session: Session,
    *,
    organization_id: int,
    login_id: str,
    display_name: str,
    job_type: str,
    password: str,
    totp_secret: str | None = None,
    is_org_admin: bool = False,
    check_password: bool = True,
) -> StaffAccount:
    """Create a staff account; returns it (its ``totp_secret`` is to be enrolled by the user)."""
    if job_type not in rules.JOB_TYPES:
        raise InvalidInput(
            "職種が正しくありません", code="ACC-JOB-TYPE", details={"value": job_type}
        )
    if check_password and (problems := rules.password_problems(password)):
        raise InvalidInput("、".join(problems), code="ACC-WEAK-PASSWORD")
    if totp_secret is not None and not _strong_totp_secret(totp_secret):
        raise InvalidInput(
            "TOTPシークレットは160ビット (Base32で32文字) 以上にしてください",
            code="ACC-TOTP-SECRET",
        )
    if session.scalar(select(StaffAccount.id).where(StaffAccount.login_id == login_id)):
        raise InvalidInput("このログインIDは使用されています", code="ACC-LOGIN-ID-TAKEN")
    account = StaffAccount(
        organization_id=organization_id,
        login_id=login_id,
        display_name=display_name,
        job_type=job_type,
        password_hash=_hasher.hash(password),
        totp_secret=totp_secret or pyotp.random_base32(),
        is_org_admin=is_org_admin,
        active=True,
        failed_logins=0,
        last_totp_step=0,
        created_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


_BAD_LOGIN = "ログインID、パスワード、またはワンタイムパスワードが正しくありません"


def authenticate(
    session: Session, settings: Settings, login_id: str, password: str, otp: str
) -> StaffAccount:
    """Check ID + password + TOTP. Failures count towards a lockout; the message never says which part failed."""
    now = utcnow()
    account = session.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
    if account is None or not account.active:
        _hasher.hash(password)  # same work either way: no account enumeration by timing
        raise Unauthenticated(_BAD_LOGIN, code="ACC-LOGIN-FAILED")
    if rules.is_locked(account.locked_until, now):
        raise Unauthenticated(
            f"ログイン失敗が続いたため、{rules.LOCKOUT_MINUTES}分間ロックされています",
            code="ACC-LOCKED",
        )
    ok = True
    try:
        _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    step = _accepted_totp_step(account, otp, now)
    if not ok or step is None:
        account_id = account.id
        keep(session, lambda s: _count_failure(s, account_id, settings.login_max_failures, now))
        raise Unauthenticated(_BAD_LOGIN, code="ACC-LOGIN-FAILED")
    account.failed_logins = 0
    account.locked_until = None
    account.last_totp_step = step
    return account


def _count_failure(session: Session, account_id: int, max_failures: int, now: dt.datetime) -> None:
    """One more failed login towards the lockout (kept although the sign-in request fails)."""
    account = session.get(StaffAccount, account_id)
    if account is not None:
        account.failed_logins, account.locked_until = rules.after_failure(
            account.failed_logins, max_failures, now
        )
        session.flush()


def _strong_totp_secret(secret: str) -> bool:
    try:
        return len(base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))) >= 20
    except (ValueError, binascii.Error):
        return False


def _accepted_totp_step(account: StaffAccount, otp: str, now: dt.datetime) -> int | None:
    try:
        totp = pyotp.TOTP(account.totp_secret)
    except ValueError:  # a secret pyotp refuses cannot produce a valid code
        return None
    otp = otp.strip()
    if not (otp.isdigit() and len(otp) == 6):
        return None
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if step > account.last_totp_step and secrets.compare_digest(totp.generate_otp(step), otp):
            return step
    return None


@dataclass(frozen=True)
class IssuedSecret:
    secret: str
    credential: Credential


def issue_credential(
    session: Session,
    *,
    kind: str,
    organization_id: int,
    lifetime: dt.timedelta,
    account_id: int | None = None,
    parent_id: int | None = None,
    label: str = "",
) -> IssuedSecret:
    now = utcnow()
    prefix = {"session": "kks", "access": "kka", "refresh": "kkr", "system": "kksys"}[kind]
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    cred = Credential(
        kind=kind,
        secret_hash=secret_hash(secret),
        account_id=account_id,
        organization_id=organization_id,
        csrf_token=secrets.token_urlsafe(24) if kind == "session" else None,
        parent_id=parent_id,
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetime,
        label=label,
    )
    session.add(cred)
    session.flush()
    return IssuedSecret(secret, cred)


def resolve_credential(session: Session, secret: str, kinds: tuple[str, ...]) -> Credential | None:
    """The live credential for ``secret`` (not expired, not revoked), or ``None``."""
    cred = session.scalar(select(Credential).where(Credential.secret_hash == secret_hash(secret)))
    now = utcnow()
    if (
        cred is None
        or cred.kind not in kinds
        or cred.revoked_at is not None
        or cred.expires_at <= now
    ):
        return None
    return cred


def start_web_session(session: Session, settings: Settings, account: StaffAccount) -> IssuedSecret:
    return issue_credential(
        session,
        kind="session",
        organization_id=account.organization_id,
        account_id=account.id,
        lifetime=dt.timedelta(hours=settings.refresh_token_hours),
    )


def touch_web_session(cred: Credential, settings: Settings) -> bool:
    """Slide the idle timeout; ``False`` when the session has been idle too long."""
    now = utcnow()
    if now - cred.last_used_at > dt.timedelta(minutes=settings.session_idle_minutes):
        return False
    cred.last_used_at = now
    return True


def issue_token_pair(
    session: Session, settings: Settings, account: StaffAccount
) -> dict[str, object]:
    """An access token (60 min) and a refresh token (8 h), as the national WEB-service API."""
    refresh = issue_credential(
        session,
        kind="refresh",
        organization_id=account.organization_id,
        account_id=account.id,
        lifetime=dt.timedelta(hours=settings.refresh_token_hours),
    )
    access = issue_credential(
        session,
        kind="access",
        organization_id=account.organization_id,
        account_id=account.id,
        lifetime=dt.timedelta(minutes=settings.access_token_minutes),
        parent_id=refresh.credential.id,
    )
    return {
        "access_token": access.secret,
        "token_type": "Bearer",
        "expires_in": settings.access_token_minutes * 60,
        "refresh_token": refresh.secret,
        "refresh_expires_in": settings.refresh_token_hours * 3600,
    }


def _revoke_family(session: Session, root_id: int) -> None:
    """Revoke a refresh token, every refresh token rotated from it and their access tokens."""
    now = utcnow()
    frontier = [root_id]
    while frontier:
        session.execute(
            update(Credential)
            .where(Credential.id.in_(frontier), Credential.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        children = list(
            session.scalars(select(Credential.id).where(Credential.parent_id.in_(frontier)))
        )
        session.execute(
            update(Credential)
            .where(Credential.id.in_(children), Credential.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        frontier = list(
            session.scalars(
                select(Credential.id).where(
                    Credential.id.in_(children), Credential.kind == "refresh"
                )
            )
        )


def _family_root(session: Session, cred: Credential) -> int:
    """The first refresh token of the sign-in ``cred`` was rotated from."""
    root = cred
    while root.parent_id is not None:
        above = session.get(Credential, root.parent_id)
        if above is None or above.kind != "refresh":
            break
        root = above
    return root.id


def sign_out(session: Session, refresh_secret: str) -> None:
    """Revoke the sign-in a refresh token belongs to — given any of its refresh tokens, the
    current one or one already rotated — with every access token made from it."""
    cred = session.scalar(
        select(Credential).where(Credential.secret_hash == secret_hash(refresh_secret))
    )
    if cred is not None and cred.kind == "refresh":
        _revoke_family(session, _family_root(session, cred))


def refresh_access_token(
    session: Session, settings: Settings, refresh_secret: str
) -> dict[str, object]:
    """Rotate: a live refresh token gives a new access token and a new refresh token (with the
    old one's expiry), and is spent. Presenting a spent one again means it was copied: the
    whole family (every token rotated from the first) is revoked (``ACC-REFRESH-REUSED``)."""
    cred = session.scalar(
        select(Credential).where(Credential.secret_hash == secret_hash(refresh_secret))
    )
    now = utcnow()
    if cred is not None and cred.kind == "refresh" and cred.revoked_at is not None:
        rotated = session.scalar(
            select(Credential.id).where(
                Credential.parent_id == cred.id, Credential.kind == "refresh"
            )
        )
        if rotated is not None:
            root = _family_root(session, cred)
            keep(session, lambda s, root=root: _revoke_family(s, root))
            raise Unauthenticated(
                "このリフレッシュトークンは使用済みです。安全のため、同じログインのトークンをすべて"
                "無効にしました。もう一度ログインしてください",
                code="ACC-REFRESH-REUSED",
            )
    if (
        cred is None
        or cred.kind != "refresh"
        or cred.revoked_at is not None
        or cred.expires_at <= now
        or cred.account_id is None
    ):
        raise Unauthenticated(
            "リフレッシュトークンが無効か期限切れです", code="ACC-REFRESH-INVALID"
        )
    remaining = cred.expires_at - now
    cred.revoked_at = now  # spent: rotated below
    refresh = issue_credential(
        session,
        kind="refresh",
        organization_id=cred.organization_id,
        account_id=cred.account_id,
        lifetime=remaining,
        parent_id=cred.id,
    )
    access = issue_credential(
        session,
        kind="access",
        organization_id=cred.organization_id,
        account_id=cred.account_id,
        lifetime=min(dt.timedelta(minutes=settings.access_token_minutes), remaining),
        parent_id=refresh.credential.id,
    )
    return {
        "access_token": access.secret,
        "token_type": "Bearer",
        "expires_in": int((access.credential.expires_at - now).total_seconds()),
        "refresh_token": refresh.secret,
        "refresh_expires_in": int(remaining.total_seconds()),
    }


def revoke(session: Session, cred: Credential) -> None:
    """Revoke a credential and everything issued from it (access tokens of a refresh token)."""
    now = utcnow()
    cred.revoked_at = now
    session.execute(
        update(Credential)
        .where(Credential.parent_id == cred.id, Credential.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def get_account(session: Session, account_id: int) -> StaffAccount:
    account = session.get(StaffAccount, account_id)
    if account is None:
        raise Unauthenticated("アカウントが見つかりません", code="ACC-NOT-FOUND")
    return account


def _require_admin(
    actor_org_id: int | None, is_admin: bool, account: StaffAccount | None = None
) -> None:
    if not is_admin:
        raise PermissionDenied("この操作は所属の管理者だけが行えます", code="ACC-ADMIN-ONLY")
    if account is not None and account.organization_id != actor_org_id:
        raise PermissionDenied("他の組織の職員は管理できません", code="ACC-OTHER-ORG")


def list_staff(session: Session, organization_id: int) -> list[StaffAccount]:
    return list(
        session.scalars(
            select(StaffAccount)
            .where(StaffAccount.organization_id == organization_id)
            .order_by(StaffAccount.login_id)
        )
    )


def admin_create_staff(
    session: Session,
    *,
    admin_org_id: int | None,
    admin: bool,
    login_id: str,
    display_name: str,
    job_type: str,
    password: str,
) -> StaffAccount:
    """An organisation's administrator adds a staff member to their own organisation."""
    _require_admin(admin_org_id, admin)
    assert admin_org_id is not None
    return create_account(
        session,
        organization_id=admin_org_id,
        login_id=login_id,
        display_name=display_name,
        job_type=job_type,
        password=password,
    )


def admin_set_active(
    session: Session, *, admin_org_id: int | None, admin: bool, account_id: int, active: bool
) -> StaffAccount:
    """Deactivate (or reactivate) a staff member; deactivation also revokes their credentials."""
    account = session.get(StaffAccount, account_id)
    _require_admin(admin_org_id, admin, account)
    if account is None:
        raise PermissionDenied("他の組織の職員は管理できません", code="ACC-OTHER-ORG")
    account.active = active
    if not active:
        now = utcnow()
        session.execute(
            update(Credential)
            .where(Credential.account_id == account.id, Credential.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return account


def admin_unlock(
    session: Session, *, admin_org_id: int | None, admin: bool, account_id: int
) -> StaffAccount:
    account = session.get(StaffAccount, account_id)
    _require_admin(admin_org_id, admin, account)
    assert account is not None
    account.failed_logins = 0
    account.locked_until = None
    return account


def provisioning_uri(account: StaffAccount, issuer: str = "kaigo-kiban") -> str:
    """otpauth:// URI for enrolling the account's TOTP secret in an authenticator app."""
    return pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.login_id, issuer_name=issuer
    )


# --- person sessions (card sign-in: person.service) ---------------------------------------


def open_person_session(
    session: Session,
    *,
    secret: str,
    cert_serial: str,
    issuer_fingerprint: str,
    holder_name: str,
    acting: Mapping[str, object],
    channel: str,
    now: dt.datetime,
    lifetime: dt.timedelta,
) -> PersonSession:
    """Start the session of a card sign-in (the person's checks are ``person.service``'s);
    ``acting`` says whom it acts as (insurer_no, insured_no, proxy_grant_id and the names
    ``actors.person_actor`` shows)."""
    row = PersonSession(
        secret_hash=secret_hash(secret),
        csrf_token=secrets.token_urlsafe(24),
        cert_serial=cert_serial,
        issuer_fingerprint=issuer_fingerprint,
        holder_name=holder_name,
        **acting,
        channel=channel,
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return row


def act_as(session: Session, row: PersonSession, acting: Mapping[str, object]) -> None:
    """Switch whom a person session acts as (self ↔ a proxy's principal)."""
    for name, value in acting.items():
        setattr(row, name, value)
    session.flush()


def card_sessions(
    session: Session, row: PersonSession, *, now: dt.datetime | None = None
) -> list[PersonSession]:
    """The live sessions of the card that holds ``row`` — browsers and apps — newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(PersonSession)
            .where(
                PersonSession.issuer_fingerprint == row.issuer_fingerprint,
                PersonSession.cert_serial == row.cert_serial,
                PersonSession.revoked_at.is_(None),
                PersonSession.expires_at > now,
            )
            .order_by(PersonSession.created_at.desc(), PersonSession.id.desc())
        )
    )


def end_card_session(session: Session, row: PersonSession, session_id: int) -> None:
    """Sign out another browser or app of the same card (not someone else's)."""
    target = session.get(PersonSession, session_id)
    if target is None or (target.issuer_fingerprint, target.cert_serial) != (
        row.issuer_fingerprint,
        row.cert_serial,
    ):
        raise NotFound("ログイン中の端末・アプリが見つかりません", code="PERSON-SESSION-NOT-FOUND")
    if target.revoked_at is None:
        target.revoked_at = utcnow()


def resolve_person_session(
    session: Session, settings: Settings, secret: str, *, now: dt.datetime | None = None
) -> PersonSession | None:
    """The live person session (portal cookie or ``kkp_`` token) for a secret (sliding idle
    timeout), or None."""
    now = now or utcnow()
    row = session.scalar(
        select(PersonSession).where(PersonSession.secret_hash == secret_hash(secret))
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.last_used_at > dt.timedelta(minutes=settings.session_idle_minutes):
        return None
    row.last_used_at = now
    return row


def end_person_session(session: Session, secret: str) -> None:
    row = session.scalar(
        select(PersonSession).where(PersonSession.secret_hash == secret_hash(secret))
    )
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def end_sessions_of_grant(session: Session, grant_id: int, now: dt.datetime) -> None:
    """End every open session of a proxy grant (the grant was revoked)."""
    session.execute(
        update(PersonSession)
        .where(PersonSession.proxy_grant_id == grant_id, PersonSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def issue_municipal_system_key(session: Session, insurer_no: str, label: str, days: int) -> str:
    """A bearer key for a municipality's system (file sending); only its hash is stored."""
    org = registry.municipal_organization(session, insurer_no)
    issued = issue_credential(
        session,
        kind="system",
        organization_id=org.id,
        lifetime=dt.timedelta(days=days),
        label=label,
    )
    return issued.secret
