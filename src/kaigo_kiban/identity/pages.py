"""``/office/verify``: 本人確認 and 担当事業所登録 by My Number card or by 4情報 (thin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from kaigo_kiban.accounts.actors import check_csrf
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.core.ids import is_insured_no, is_insurer_no
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.identity import rules, service
from kaigo_kiban.identity.api import OfficeActor

router = APIRouter(include_in_schema=False)

PAGE = "identity/verify.html"


def _context(db: Db, actor: OfficeActor, **extra: Any) -> dict[str, Any]:
    return {
        "title": "本人確認と担当事業所の登録",
        "service_types": [(t, SERVICE_TYPE_NAMES.get(t, t)) for t in actor.service_types],
        "sexes": rules.SEXES,
        "attempts": service.recent_attempts(db, actor),
        "card": {},
        "four": {},
        "card_errors": {},
        "four_errors": {},
        **extra,
    }


@router.get("/office/verify")
def verify_page(request: Request, db: Db, actor: OfficeActor) -> Response:
    return render(request, PAGE, _context(db, actor))


@router.post("/office/verify/challenge", dependencies=[Depends(check_csrf)])
def issue_challenge(
    request: Request,
    db: Db,
    actor: OfficeActor,
    insurer_no: Annotated[str, Form()] = "",
    insured_no: Annotated[str, Form()] = "",
) -> Response:
    card = {"insurer_no": insurer_no.strip(), "insured_no": insured_no.strip()}
    errors = {}
    if not is_insurer_no(card["insurer_no"]):
        errors["insurer_no"] = "保険者番号は6桁の数字で入力してください"
    if not is_insured_no(card["insured_no"]):
        errors["insured_no"] = "被保険者番号は10桁の数字で入力してください"
    if not errors:
        try:
            issued = service.issue_challenge(db, actor, card["insurer_no"], card["insured_no"])
        except KibanError as exc:
            errors["insured_no"] = exc.message
        else:
            card.update(
                challenge_id=issued.challenge_id,
                challenge=issued.challenge,
                expires_at=issued.expires_at,
            )
    return render(
        request,
        PAGE,
        _context(db, actor, card=card, card_errors=errors),
        status_code=422 if errors else 200,
    )


@router.post("/office/verify/card", dependencies=[Depends(check_csrf)])
def verify_card(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: OfficeActor,
    challenge_id: Annotated[str, Form()] = "",
    certificate: Annotated[str, Form()] = "",
    signature: Annotated[str, Form()] = "",
    service_type: Annotated[str, Form()] = "",
) -> Response:
    errors = {}
    if "BEGIN CERTIFICATE" not in certificate:
        errors["certificate"] = (
            "カードの電子証明書 (-----BEGIN CERTIFICATE----- で始まる文字列) を貼り付けてください"
        )
    if not signature.strip():
        errors["signature"] = "カードによる署名を貼り付けてください"
    if service_type not in actor.service_types:
        errors["card_service_type"] = "サービス種類を選択してください"
    if errors:
        card = {"challenge_id": challenge_id, "again": True}
        return render(
            request, PAGE, _context(db, actor, card=card, card_errors=errors), status_code=422
        )
    try:
        assignment = service.verify_card(
            db,
            settings,
            actor,
            challenge_id=challenge_id,
            certificate_pem=certificate,
            signature=signature,
            service_type=service_type,
        )
    except rules.IdentityRefused as exc:
        return render(request, PAGE, _context(db, actor, refusal=exc), status_code=422)
    except KibanError as exc:
        return render(request, PAGE, _context(db, actor, refusal=exc), status_code=exc.http_status)
    return render(request, PAGE, _context(db, actor, verified=assignment))


@router.post("/office/verify/four-attributes", dependencies=[Depends(check_csrf)])
def verify_four_attributes(
    request: Request,
    db: Db,
    actor: OfficeActor,
    insurer_no: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    sex: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    service_type: Annotated[str, Form()] = "",
) -> Response:
    four = {
        "insurer_no": insurer_no.strip(),
        "name": name.strip(),
        "birth_date": birth_date.strip(),
        "sex": sex,
        "address": address.strip(),
        "service_type": service_type,
    }
    errors = {}
    if not is_insurer_no(four["insurer_no"]):
        errors["insurer_no"] = "保険者番号は6桁の数字で入力してください"
    if not four["name"] or len(four["name"]) > 100:
        errors["name"] = "氏名を入力してください (100文字以内)"
    try:
        born = dt.date.fromisoformat(four["birth_date"])
    except ValueError:
        errors["birth_date"] = "生年月日を正しく入力してください (例: 1945-03-15)"
    if sex not in rules.SEXES:
        errors["sex"] = "性別を選択してください"
    if not four["address"] or len(four["address"]) > 200:
        errors["address"] = "住所を入力してください (200文字以内)"
    if service_type not in actor.service_types:
        errors["service_type"] = "サービス種類を選択してください"
    if errors:
        return render(
            request, PAGE, _context(db, actor, four=four, four_errors=errors), status_code=422
        )
    attributes = rules.FourAttributes(four["name"], born, sex, four["address"])
    try:
        assignment = service.verify_four_attributes(
            db, actor, four["insurer_no"], attributes, service_type
        )
    except rules.IdentityRefused as exc:
        return render(request, PAGE, _context(db, actor, four=four, refusal=exc), status_code=422)
    return render(request, PAGE, _context(db, actor, verified=assignment))
