"""Request dependencies: the unit of work, the current actor, CSRF, rendering.

One request is one unit of work (``db``, ``core.database.unit_of_work``): committed before
the response is sent; on error rolled back, after which the records that must survive (denial
audit rows, consumed challenges, failure counts) are written in a transaction of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import Response

from kaigo_kiban.access.rules import Actor
from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.models import Credential
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import InvalidInput, PermissionDenied, Unauthenticated
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.person.rules import PERSON_TOKEN_PREFIX
from kaigo_kiban.pki.rules import check_office_match
from kaigo_kiban.registry import service as registry
from kaigo_kiban.registry.models import Organization

SESSION_COOKIE = "kk_session"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work (``core.database.unit_of_work``, as the CLI's)."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


Db = Annotated[Session, Depends(get_db, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="行ID (1〜2147483647)")]
"""A database row id in a URL: bounded so no value can overflow the database's integer."""
AppSettings = Annotated[Settings, Depends(get_settings)]


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.headers.get("x-request-id") or secrets.token_hex(8)
        request.state.request_id = rid
    return rid


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


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


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


async def check_csrf(
    request: Request, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> None:
    """State-changing requests made with the session cookie must echo its CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if actor is not None and not getattr(request.state, "via_cookie", False):
        return  # bearer-token API call: no ambient credential, no CSRF risk
    await require_csrf_token(request)


async def require_csrf_token(request: Request) -> None:
    """The request echoes its session's CSRF token (``request.state.csrf_token``) in the
    ``X-CSRF-Token`` header or the form field ``csrf_token`` — staff pages and the portal alike."""
    expected = getattr(request.state, "csrf_token", None)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise PermissionDenied(
            "フォームの有効期限が切れました。画面を再読み込みしてやり直してください",
            code="AUTH-CSRF",
        )


def templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page, or only its ``content`` block for htmx requests (``HX-Request``)."""
    tpl: Jinja2Templates = request.app.state.templates
    ctx = {"request": request, **context}
    ctx.setdefault("actor", getattr(request.state, "actor", None))
    ctx["csrf_token"] = getattr(request.state, "csrf_token", "")
    ctx["partial"] = request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-boosted"
    )
    return tpl.TemplateResponse(request, name, ctx, status_code=status_code)


OFFICE_SECTION_PAGE = "office_section.html"  # one section of a person's data, or why not


def render_office_section(
    request: Request,
    db: Session,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    *,
    title: str,
    heading: str | None = None,
    section: str,
    key: str,
    fetch: Callable[[str], Any],
    insurer_required_code: str,
) -> Response:
    """An office's page of one section of a person's data (``fetch(insurer_no)`` passes the
    gate). A denial — consent withdrawn, assignment ended … — is a message on the page
    (403), not an error page; its audit row is kept (``core.database.keep``)."""
    insurer = insurer_no or actor.insurer_no
    if not insurer:
        raise InvalidInput("保険者番号 (insurer_no) を指定してください", code=insurer_required_code)
    context = {
        "title": title,
        "heading": heading or title,
        "section": section,
        "insurer_no": insurer,
        "insured_no": insured_no,
    }
    try:
        value = fetch(insurer)
    except AccessDenied as exc:
        return render(request, OFFICE_SECTION_PAGE, {**context, "denial": exc}, status_code=403)
    return render(request, OFFICE_SECTION_PAGE, {**context, key: value})
