"""Who is acting: one place resolves every credential to an :class:`Actor` — staff (page
session or access token), a system key, a person or a proxy (card session or ``kkp_`` token).

Below the access gate: resolution says *who* acts (and under which proxy grant); whether they
may see anything is the gate's decision (``access.rules.decide`` checks the proxy grant).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.models import Credential, PersonSession
from kaigo_kiban.accounts.rules import PERSON_TOKEN_PREFIX, Actor
from kaigo_kiban.core.errors import PermissionDenied, Unauthenticated
from kaigo_kiban.http.deps import AppSettings, Db, bearer_token, request_id, require_csrf_token
from kaigo_kiban.pki.rules import check_office_match
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import Organization

SESSION_COOKIE = "kk_session"  # staff pages
PERSON_COOKIE = "kk_person"  # the person portal


# --- staff and systems ---------------------------------------------------------------------


def actor_for_credential(session: Session, cred: Credential, request: Request) -> Actor:
    org = session.get(Organization, cred.organization_id)
    assert org is not None
    account = accounts.get_account(session, cred.account_id) if cred.account_id else None
    kind = {"municipality": "municipality", "operator": "operator"}.get(org.kind, "staff")
    if cred.kind == "system":
        kind = "system" if org.kind != "municipality" else "municipality"
    actor = Actor(
        kind=kind,
        display_name=account.display_name if account else f"{org.name} (システム)",
        account_id=account.id if account else None,
        **registry.organization_actor_fields(session, org),
        job_type=account.job_type if account else None,
        insurer_no=org.insurer_no,
        cert_serial=getattr(request.state, "cert_serial", None),
        request_id=request_id(request),
        is_org_admin=bool(account and account.is_org_admin),
    )
    # Behind TLS, the terminal certificate's office must be the signed-in staff's office.
    check_office_match(getattr(request.state, "cert_office_no", None), actor)
    return actor


def optional_actor(
    request: Request,
    db: Db,
    settings: AppSettings,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor | None:
    """The signed-in actor from a bearer token (API) or the session cookie (pages)."""
    token = bearer_token(authorization)
    if token and token.startswith(PERSON_TOKEN_PREFIX):
        raise PermissionDenied(
            "本人用のトークンでは、この操作はできません (本人用トークンで読めるのは /fhir だけです)",
            code="AUTH-PERSON-TOKEN",
        )
    if token:
        cred = accounts.resolve_credential(db, token, ("access", "system"))
        if cred is None:
            raise Unauthenticated("アクセストークンが無効か期限切れです", code="AUTH-TOKEN-INVALID")
        return actor_for_credential(db, cred, request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    cred = accounts.resolve_credential(db, cookie, ("session",))
    if cred is None or not accounts.touch_web_session(cred, settings):
        return None
    request.state.csrf_token = cred.csrf_token
    request.state.via_cookie = True
    actor = actor_for_credential(db, cred, request)
    request.state.actor = actor
    return actor


def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthenticated("ログインしてください", code="AUTH-REQUIRED")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


async def check_csrf(
    request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> None:
    """State-changing requests made with the session cookie must echo its CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if actor is not None and not getattr(request.state, "via_cookie", False):
        return  # bearer-token API call: no ambient credential, no CSRF risk
    await require_csrf_token(request)


def municipal_actor(actor: CurrentActor) -> Actor:
    """Municipal staff only (pages of the municipality)."""
    if actor.organization_kind != "municipality":
        raise PermissionDenied("市町村職員向けの画面です", code="PAGE-MUNICIPAL-ONLY")
    return actor


MunicipalActor = Annotated[Actor, Depends(municipal_actor)]


# --- persons and proxies -------------------------------------------------------------------


def actor_for_person_session(row: PersonSession, request_id: str | None = None) -> Actor:
    """The actor of a person session: the person, or a proxy acting under ``proxy_grant_id``
    (whether that grant still allows anything is decided by the gate, on every read)."""
    extra = {"person_session_id": str(row.id), "principal_name": row.principal_name or ""}
    if row.proxy_grant_id is not None:
        extra["proxy_grant_id"] = str(row.proxy_grant_id)
    return Actor(
        kind="person",
        display_name=row.acting_name or row.principal_name or row.holder_name,
        insurer_no=row.insurer_no,
        insured_no=row.insured_no,
        cert_serial=row.cert_serial,
        proxy_for=row.proxy_label if row.proxy_grant_id is not None else None,
        proxy_grant_id=row.proxy_grant_id,
        request_id=request_id,
        extra=extra,
    )


def optional_person_actor(request: Request, db: Db, settings: AppSettings) -> Actor | None:
    """The person (or proxy) of the ``kk_person`` cookie, or None when not signed in."""
    if hasattr(request.state, "person_actor"):
        return request.state.person_actor
    secret = request.cookies.get(PERSON_COOKIE)
    row = accounts.resolve_person_session(db, settings, secret) if secret else None
    actor = None
    if row is not None:
        actor = actor_for_person_session(row, request_id(request))
        request.state.csrf_token = row.csrf_token
        request.state.actor = actor
        request.state.person_session = row
    request.state.person_actor = actor
    return actor


def person_actor(
    actor: Annotated[Actor | None, Depends(optional_person_actor)],
) -> Actor:
    if actor is None:
        raise Unauthenticated(
            "ログインしてください（マイナンバーカードでログインします）",
            code="PERSON-AUTH-REQUIRED",
        )
    return actor


PersonActor = Annotated[Actor, Depends(person_actor)]
OptionalPerson = Annotated[Actor | None, Depends(optional_person_actor)]


async def check_person_csrf(request: Request, actor: PersonActor) -> None:
    """Portal forms echo the person session's CSRF token (same rule as staff pages)."""
    await require_csrf_token(request)


PersonForm = [Depends(check_person_csrf)]


def person_token_actor(
    request: Request,
    db: Db,
    settings: AppSettings,
    authorization: Annotated[str | None, Header()] = None,
) -> Actor:
    """Staff (access token or page session) or a person (``kkp_`` token from a card)."""
    token = bearer_token(authorization)
    if token and token.startswith(PERSON_TOKEN_PREFIX):
        row = accounts.resolve_person_session(db, settings, token)
        if row is None:
            raise Unauthenticated("アクセストークンが無効か期限切れです", code="AUTH-TOKEN-INVALID")
        return actor_for_person_session(row, request_id(request))
    return current_actor(optional_actor(request, db, settings, authorization))


StaffOrPerson = Annotated[Actor, Depends(person_token_actor)]


# --- the caller's key for idempotent API writes ----------------------------------------------


def idempotency_owner(session: Session, authorization: str, cookie_header: str) -> str | None:
    """Who is calling, stable across token refreshes: the account, or the system credential.

    The API middleware (``http.middleware``) keeps idempotent answers under this key; the
    composition root hands it this function.
    """
    if authorization.lower().startswith("bearer "):
        cred = accounts.resolve_credential(session, authorization[7:].strip(), ("access", "system"))
    else:
        secret = _cookie(cookie_header, SESSION_COOKIE)
        cred = accounts.resolve_credential(session, secret, ("session",)) if secret else None
    if cred is None:
        return None
    return f"account:{cred.account_id}" if cred.account_id else f"credential:{cred.id}"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
