"""Sign-in and sign-out pages (ID + password + one-time password), and demo one-click sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from kaigo_kiban.accounts import service
from kaigo_kiban.accounts.actors import SESSION_COOKIE, CurrentActor, check_csrf
from kaigo_kiban.accounts.models import StaffAccount
from kaigo_kiban.accounts.rules import JOB_TYPES
from kaigo_kiban.core.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.http.deps import AppSettings, Db, RowId, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _signed_in(settings: Settings, secret: str, target: str) -> Response:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=settings.refresh_token_hours * 3600,
        path="/",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "accounts/login.html", {"next": _safe_next(next), "title": "ログイン"})


@router.post("/login")
def login(
    request: Request,
    db: Db,
    settings: AppSettings,
    login_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    otp: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        account = service.authenticate(db, settings, login_id.strip(), password, otp)
    except Unauthenticated as exc:
        return render(
            request,
            "accounts/login.html",
            {
                "next": _safe_next(next),
                "error": exc.message,
                "login_id": login_id,
                "title": "ログイン",
            },
            status_code=401,
        )
    issued = service.start_web_session(db, settings, account)
    return _signed_in(settings, issued.secret, next)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, db: Db) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and (cred := service.resolve_credential(db, cookie, ("session",))):
        service.revoke(db, cred)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/demo/login/{login_id}")
def demo_login(
    login_id: str, db: Db, settings: AppSettings, next: Annotated[str, Form()] = "/"
) -> Response:
    """One-click sign-in for the demo walkthrough. Exists only in demo mode."""
    if not settings.demo_mode:
        raise NotFound("ページが見つかりません", code="KK-NOT-FOUND")
    account = db.scalar(select(StaffAccount).where(StaffAccount.login_id == login_id))
    if account is None:
        raise NotFound("デモアカウントが見つかりません", code="DEMO-ACCOUNT-NOT-FOUND")
    issued = service.start_web_session(db, settings, account)
    return _signed_in(settings, issued.secret, next)


@router.get("/staff")
def staff_page(request: Request, db: Db, actor: CurrentActor) -> Response:
    if not actor.is_org_admin:
        raise PermissionDenied("職員の管理は所属の管理者だけが行えます", code="ACC-ADMIN-ONLY")
    staff = service.list_staff(db, actor.organization_id or 0)
    return render(
        request,
        "accounts/staff.html",
        {"staff": staff, "job_types": JOB_TYPES, "title": "職員の管理"},
    )


@router.post("/staff", dependencies=[Depends(check_csrf)])
def staff_create(
    request: Request,
    db: Db,
    actor: CurrentActor,
    login_id: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    job_type: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    context: dict[str, object] = {"job_types": JOB_TYPES, "title": "職員の管理"}
    try:
        created = service.admin_create_staff(
            db,
            admin_org_id=actor.organization_id,
            admin=actor.is_org_admin,
            login_id=login_id.strip(),
            display_name=display_name.strip(),
            job_type=job_type,
            password=password,
        )
    except InvalidInput as exc:
        context.update(
            error=exc,
            form={"login_id": login_id, "display_name": display_name, "job_type": job_type},
        )
        status = 422
    else:
        context.update(created=created, otpauth=service.provisioning_uri(created))
        status = 201
    context["staff"] = service.list_staff(db, actor.organization_id or 0)
    return render(request, "accounts/staff.html", context, status_code=status)


@router.post("/staff/{account_id}/{action}", dependencies=[Depends(check_csrf)])
def staff_action(account_id: RowId, action: str, db: Db, actor: CurrentActor) -> Response:
    kwargs = {
        "admin_org_id": actor.organization_id,
        "admin": actor.is_org_admin,
        "account_id": account_id,
    }
    if action == "deactivate":
        service.admin_set_active(db, active=False, **kwargs)
    elif action == "activate":
        service.admin_set_active(db, active=True, **kwargs)
    elif action == "unlock":
        service.admin_unlock(db, **kwargs)
    else:
        raise NotFound("操作が見つかりません", code="KK-NOT-FOUND")
    return RedirectResponse("/staff", status_code=303)
