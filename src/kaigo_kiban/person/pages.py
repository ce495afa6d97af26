"""The person portal pages: sign-in with the card (/my/…), my data and who looked at it (/me…).

Person sessions use their own cookie (``kk_person``) and table; :func:`person_actor` turns the
cookie into an :class:`~kaigo_kiban.access.rules.Actor` of kind ``person`` (a proxy's grant is
re-checked on every request). Thin: the services decide, authorise and audit.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import PERSON_COOKIE, OptionalPerson, PersonActor, PersonForm
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.cards.formats import REDUCTION_KINDS
from kaigo_kiban.core.clock import to_jst, today_jst, utcnow
from kaigo_kiban.core.errors import KibanError, NotFound
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.identity import service as identity
from kaigo_kiban.person import formats, portal, rules, service

router = APIRouter(include_in_schema=False)

CHALLENGE_COOKIE = "kk_person_challenge"


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/my/login?next={quote(target)}", status_code=303)


def safe_next(target: str | None) -> str:
    if target and target.startswith("/me") and not target.startswith("//"):
        return target
    return "/me"


def portal_context(request: Request, db: Db, actor: Actor, **extra: Any) -> dict[str, Any]:
    """What every portal page shows in its header: whose data, as whom, and switching."""
    row = request.state.person_session
    return {
        "actor": actor,
        "principal_name": actor.extra.get("principal_name", ""),
        "is_proxy": bool(actor.proxy_for),
        "principals": service.principals_of_session(db, row),
        "current_key": f"grant:{row.proxy_grant_id}"
        if row.proxy_grant_id
        else f"self:{row.insurer_no}:{row.insured_no}",
        **extra,
    }


# --- sign-in -----------------------------------------------------------------------------------


def demo_cards_dir(request: Request) -> Path:
    """Where the demo wrote its card files: the composition root puts it in ``app.state``."""
    directory: Path = request.app.state.demo_cards_dir
    return directory


def demo_cards(request: Request, settings: Settings) -> list[dict[str, str]]:
    if not settings.demo_mode:
        return []
    directory = demo_cards_dir(request)
    try:
        entries = json.loads((directory / "index.json").read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in entries if (directory / e.get("file", "")).is_file()]


def _login_page(
    request: Request,
    db: Db,
    settings: Settings,
    next_url: str,
    *,
    refusal: KibanError | None = None,
    status_code: int = 200,
) -> Response:
    issued = service.issue_challenge(db)
    response = render(
        request,
        "person/login.html",
        {
            "title": "ご本人・ご家族のログイン",
            "challenge": issued,
            "next": safe_next(next_url),
            "refusal": refusal,
            "demo_cards": demo_cards(request, settings),
        },
        status_code=status_code,
    )
    response.set_cookie(
        CHALLENGE_COOKIE,
        issued.challenge_id,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        max_age=int(rules.CHALLENGE_TTL.total_seconds()),
        path="/my",
    )
    return response


@router.get("/my/login")
def login_page(request: Request, db: Db, settings: AppSettings, next: str = "/me") -> Response:
    return _login_page(request, db, settings, next)


@router.get("/my/portal.css")
def portal_css() -> Response:
    css = resources.files("kaigo_kiban.person").joinpath("data/portal.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _finish_sign_in(
    request: Request,
    db: Db,
    settings: Settings,
    next_url: str,
    challenge_id: str,
    certificate: str,
    signature: str,
    invite_code: str,
) -> Response:
    # The challenge must be the one this browser was shown (no login CSRF with another's).
    if request.cookies.get(CHALLENGE_COOKIE) != challenge_id:
        challenge_id = ""
    try:
        signed = service.sign_in_with_card(
            db,
            settings,
            challenge_id=challenge_id,
            certificate_pem=certificate,
            signature=signature,
            invite_code=invite_code,
        )
    except service.PersonRefused as exc:
        return _login_page(request, db, settings, next_url, refusal=exc, status_code=422)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(
        PERSON_COOKIE,
        signed.secret,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=rules.SESSION_HOURS * 3600,
        path="/",
    )
    response.delete_cookie(CHALLENGE_COOKIE, path="/my")
    return response


@router.post("/my/login")
def login(
    request: Request,
    db: Db,
    settings: AppSettings,
    challenge_id: Annotated[str, Form()] = "",
    certificate: Annotated[str, Form()] = "",
    signature: Annotated[str, Form()] = "",
    invite_code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    return _finish_sign_in(
        request, db, settings, next, challenge_id, certificate, signature, invite_code
    )


@router.post("/my/login/demo")
async def demo_login(
    request: Request,
    db: Db,
    settings: AppSettings,
    challenge_id: Annotated[str, Form()] = "",
    challenge: Annotated[str, Form()] = "",
    card: Annotated[str, Form()] = "",
    card_file: Annotated[UploadFile | None, File()] = None,
    invite_code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/me",
) -> Response:
    """Demo mode only: the server plays the card reader with a demo card file (chosen from
    the demo's cards or uploaded) and signs the challenge shown on the page."""
    if not settings.demo_mode:
        raise NotFound("ページが見つかりません", code="KK-NOT-FOUND")
    data = b""
    if card_file is not None and card_file.filename:
        data = await card_file.read(64 * 1024)
    elif card:
        known = {e["file"] for e in demo_cards(request, settings)}
        if card in known:
            data = (demo_cards_dir(request) / Path(card).name).read_bytes()
    try:
        key, certificate = identity.load_card_file(data)
    except KibanError as exc:
        return _login_page(request, db, settings, next, refusal=exc, status_code=422)
    signature = identity.sign_challenge(key, challenge)
    return _finish_sign_in(
        request, db, settings, next, challenge_id, certificate, signature, invite_code
    )


@router.post("/my/logout", dependencies=PersonForm)
def logout(request: Request, db: Db) -> Response:
    secret = request.cookies.get(PERSON_COOKIE)
    if secret:
        accounts.end_person_session(db, secret)
    response = RedirectResponse("/my/login", status_code=303)
    response.delete_cookie(PERSON_COOKIE, path="/")
    return response


@router.post("/my/switch", dependencies=PersonForm)
def switch(
    request: Request, db: Db, actor: PersonActor, key: Annotated[str, Form()] = ""
) -> Response:
    """Act for another person this card may act for (yourself, or as someone's proxy)."""
    service.switch_principal(db, request.state.person_session, key)
    return RedirectResponse("/me", status_code=303)


# --- my data -----------------------------------------------------------------------------------


@router.get("/me")
def my_data(request: Request, db: Db, settings: AppSettings, actor: OptionalPerson) -> Response:
    if actor is None:
        return login_redirect(request)
    day = today_jst()
    context = portal_context(
        request,
        db,
        actor,
        title="わたしの介護保険の情報",
        today=day,
        cards=portal.my_cards(db, settings, actor, day),
        progress=portal.my_progress(db, settings, actor),
        care_plans=portal.my_care_plans(db, settings, actor),
        usage=portal.my_usage(db, settings, actor, day),
        life=portal.my_life(db, settings, actor),
        notices=portal.list_notices(db, actor),
        meanings=rules,
        reduction_kinds=REDUCTION_KINDS,
    )
    return render(request, "person/me.html", context)


@router.post("/me/notices/read", dependencies=PersonForm)
def notices_read(db: Db, actor: PersonActor) -> Response:
    portal.mark_notices_read(db, actor)
    return RedirectResponse("/me#notices", status_code=303)


def _history_filter(request: Request) -> tuple[rules.HistoryFilter, dict[str, str], dict[str, str]]:
    q = request.query_params
    raw = {k: q.get(k, "") for k in ("date_from", "date_to", "data_kind", "outcome")}
    flt, errors = rules.parse_history_filter(
        raw["date_from"], raw["date_to"], raw["data_kind"], raw["outcome"], set(portal.KIND_LABELS)
    )
    return flt, errors, raw


@router.get("/me/access-log")
def access_log(request: Request, db: Db, settings: AppSettings, actor: OptionalPerson) -> Response:
    if actor is None:
        return login_redirect(request)
    flt, errors, raw = _history_filter(request)
    rows = portal.access_history(db, settings, actor, flt)
    query = urlencode({k: v for k, v in raw.items() if v})
    context = portal_context(
        request,
        db,
        actor,
        title="だれが情報を見たか",
        rows=rows,
        filters=raw,
        errors=errors,
        kinds=portal.KIND_LABELS,
        outcomes=rules.OUTCOME_LABELS,
        csv_url="/me/access-log.csv" + (f"?{query}" if query else ""),
    )
    return render(request, "person/access_log.html", context, status_code=422 if errors else 200)


@router.get("/me/access-log.csv")
def access_log_csv(
    request: Request, db: Db, settings: AppSettings, actor: OptionalPerson
) -> Response:
    if actor is None:
        return login_redirect(request)
    flt, _errors, _raw = _history_filter(request)
    rows = portal.access_history(db, settings, actor, flt, limit=5000)
    name = f"access-history-{actor.insured_no}-{to_jst(utcnow()):%Y%m%d%H%M}.csv"
    return Response(
        formats.history_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
