"""The staff case file pages (office and municipality). Thin: ``casefile.reading`` passes the
gate; these parse, call and render ``certification/case.html``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.certification.casefile.reading import case_view
from kaigo_kiban.certification.cases.formats import MILESTONES
from kaigo_kiban.certification.cases.pages import Municipal, Office
from kaigo_kiban.core.errors import InvalidInput, NotFound
from kaigo_kiban.http.deps import AppSettings, Db, render

router = APIRouter(include_in_schema=False)


def _assigned_insurer(db: Db, actor: CurrentActor, insured_no: str) -> str:
    insurers = access.assigned_insurers(db, actor.organization_id, insured_no)
    if not insurers:
        raise NotFound("担当利用者が見つかりません", code="CT-PERSON-NOT-ASSIGNED")
    if len(insurers) > 1:
        raise InvalidInput(
            "この被保険者番号の担当利用者が複数の保険者にいます。保険者番号を指定してください",
            code="CT-INSURER-REQUIRED",
            details={"insurer_nos": insurers},
        )
    return insurers[0]


@router.get("/office/certifications/{insured_no}")
def office_case(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Office,
    insurer_no: str | None = Query(None),
    application_no: str | None = Query(None),
) -> Response:
    insurer = insurer_no or _assigned_insurer(db, actor, insured_no)
    data = case_view(db, settings, actor, insurer, insured_no, application_no)
    return _case_page(request, data, back=("/office/certifications", "認定の進捗"))


def _case_page(request: Request, data: dict, back: tuple[str, str]) -> Response:
    person = data["person"]
    return render(
        request,
        "certification/case.html",
        {**data, "back": back, "title": f"{person.name_kanji} さんの認定" if person else "認定"},
    )


@router.get("/municipal/certifications/{insured_no}")
def municipal_case(
    request: Request,
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: Municipal,
    application_no: str | None = Query(None),
) -> Response:
    data = case_view(db, settings, actor, actor.insurer_no or "", insured_no, application_no)
    data["milestone_codes"] = MILESTONES
    return _case_page(request, data, back=("/municipal/certifications", "認定の進捗"))
