"""The HTTP toolkit's request dependencies: the unit of work, settings, request ids, bearer
tokens, CSRF and rendering. It knows no area (who is acting: ``accounts.actors``).

One request is one unit of work (``db``, ``core.database.unit_of_work``): committed before
the response is sent; on error rolled back, after which the records that must survive (denial
audit rows, consumed challenges, failure counts) are written in a transaction of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import Response

from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.core.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work (``core.database.unit_of_work``, as the CLI's)."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


Db = Annotated[Session, Depends(get_db, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="行ID (1〜2147483647)")]
MAX_ROW_ID = 2**31 - 1  # row ids are 32-bit in every table: a larger cursor is a bad request
"""A database row id in a URL: bounded so no value can overflow the database's integer."""
AppSettings = Annotated[Settings, Depends(get_settings)]


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.headers.get("x-request-id") or secrets.token_hex(8)
        request.state.request_id = rid
    return rid


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


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
