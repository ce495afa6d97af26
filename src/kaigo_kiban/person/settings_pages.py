"""Portal pages where the person decides: consent and assigned offices (/me/consent), proxies
and where notices go (/me/settings). Every change is immediate and audited (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kaigo_kiban.access import person_settings, proxies
from kaigo_kiban.access import rules as access_rules
from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.accounts.actors import OptionalPerson, PersonActor, PersonForm
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.person import portal, rules
from kaigo_kiban.person.pages import login_redirect, portal_context

router = APIRouter(include_in_schema=False)

DONE = {
    "withdrawn": "同意を撤回しました。事業所は、いまからあなたの情報を見られません。",
    "given": "同意しました。担当事業所は、あなたの情報を見られるようになります。",
    "ended": "担当を終了しました。この事業所は、いまからあなたの情報を見られません。",
    "revoked": "代理人の登録を取り消しました。",
    "contact": "お知らせの受け取り方を保存しました。",
    "session": "ログアウトさせました。その端末・アプリは、もうあなたの情報を見られません。",
}


@router.get("/me/consent")
def consent_page(
    request: Request, db: Db, settings: AppSettings, actor: OptionalPerson, done: str = ""
) -> Response:
    if actor is None:
        return login_redirect(request)
    overview = person_settings.consent_overview(db, settings, actor)
    context = portal_context(
        request,
        db,
        actor,
        title="同意と担当事業所",
        overview=overview,
        done=DONE.get(done),
        consent_sources=rules.CONSENT_SOURCES,
    )
    return render(request, "person/consent.html", context)


@router.post("/me/consent/withdraw", dependencies=PersonForm)
def withdraw(
    db: Db, settings: AppSettings, actor: PersonActor, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "yes":
        return RedirectResponse("/me/consent", status_code=303)
    person_settings.withdraw_consent(db, settings, actor)
    return RedirectResponse("/me/consent?done=withdrawn", status_code=303)


@router.post("/me/consent/give", dependencies=PersonForm)
def give(db: Db, settings: AppSettings, actor: PersonActor) -> Response:
    person_settings.give_consent(db, settings, actor)
    return RedirectResponse("/me/consent?done=given", status_code=303)


@router.post("/me/assignments/{assignment_id}/end", dependencies=PersonForm)
def end_assignment(
    assignment_id: int, db: Db, settings: AppSettings, actor: PersonActor
) -> Response:
    person_settings.end_assignment(db, settings, actor, assignment_id)
    return RedirectResponse("/me/consent?done=ended", status_code=303)


def _settings_page(
    request: Request,
    db: Db,
    actor: PersonActor,
    *,
    status_code: int = 200,
    **extra: object,
) -> Response:
    assert actor.insurer_no is not None and actor.insured_no is not None
    # Proxy settings are the person's own: a proxy sees only that they cannot change them.
    grants = [] if actor.proxy_for else proxies.list_proxies(db, actor.insurer_no, actor.insured_no)
    today = today_jst()
    context = portal_context(
        request,
        db,
        actor,
        title="代理人とお知らせの設定",
        grants=[(g, access_rules.grant_state(g.revoked_at, g.valid_until, today)) for g in grants],
        groups=access_rules.SCOPE_GROUPS,
        groups_of=access_rules.groups_of_scope,
        contact=portal.get_contact(db, actor),
        form=extra.pop("form", {}),
        errors=extra.pop("errors", {}),
        default_until=today.replace(year=today.year + 1).isoformat(),
        sessions=accounts.card_sessions(db, request.state.person_session),
        current_session_id=request.state.person_session.id,
        **extra,
    )
    return render(request, "person/settings.html", context, status_code=status_code)


@router.get("/me/settings")
def settings_page(
    request: Request, db: Db, settings: AppSettings, actor: OptionalPerson, done: str = ""
) -> Response:
    if actor is None:
        return login_redirect(request)
    return _settings_page(request, db, actor, done=DONE.get(done))


@router.post("/me/proxies", dependencies=PersonForm)
def add_proxy(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: PersonActor,
    proxy_name: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    groups: Annotated[list[str] | None, Form()] = None,
    valid_until: Annotated[str, Form()] = "",
) -> Response:
    values, errors = proxies.check_proxy_form(
        proxy_name, relationship, groups or [], valid_until, today_jst()
    )
    if errors:
        form = {**values, "valid_until": valid_until}
        return _settings_page(request, db, actor, form=form, errors=errors, status_code=422)
    grant, code = proxies.grant_proxy(
        db,
        settings,
        actor,
        proxy_name=str(values["proxy_name"]),
        relationship=str(values["relationship"]),
        groups=list(groups or []),
        valid_until=values["valid_until"],  # type: ignore[arg-type]
    )
    return _settings_page(
        request, db, actor, invite={"grant": grant, "code": access_rules.format_invite(code)}
    )


@router.post("/me/proxies/{grant_id}/revoke", dependencies=PersonForm)
def revoke_proxy(grant_id: int, db: Db, settings: AppSettings, actor: PersonActor) -> Response:
    proxies.revoke_proxy(db, settings, actor, grant_id)
    return RedirectResponse("/me/settings?done=revoked", status_code=303)


@router.post("/me/contact", dependencies=PersonForm)
def save_contact(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: PersonActor,
    email: Annotated[str, Form()] = "",
    notify: Annotated[str, Form()] = "",
) -> Response:
    try:
        portal.set_contact(db, settings, actor, email, notify == "yes")
    except InvalidInput as exc:
        return _settings_page(
            request, db, actor, contact_error=exc.message, email=email, status_code=422
        )
    return RedirectResponse("/me/settings?done=contact", status_code=303)


@router.post("/me/sessions/{session_id}/end", dependencies=PersonForm)
def end_session(request: Request, session_id: int, db: Db, actor: PersonActor) -> Response:
    """Sign out another browser or an app that holds a token of this card."""
    accounts.end_card_session(db, request.state.person_session, session_id)
    return RedirectResponse("/me/settings?done=session", status_code=303)
