"""主治医意見書 online: requests (municipality → clinic), drafts, submission, signatures, pulls.

Every read or write of a person's data passes the gate (``access.open_person``, data kind
``opinion``). A medical institution passes it while it holds a request that still grants access
(``access.service.has_open_opinion_request``); municipalities for their own insurer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases.formats import MILESTONE_CODE_OF
from kaigo_kiban.certification.cases.models import CertApplication
from kaigo_kiban.certification.cases.service import set_platform_milestone
from kaigo_kiban.certification.opinions import form as opinion_form
from kaigo_kiban.certification.opinions import rules, signing
from kaigo_kiban.certification.opinions.models import OpinionRequest, PhysicianOpinion
from kaigo_kiban.core.clock import to_jst, today_jst, utcnow
from kaigo_kiban.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from kaigo_kiban.core.grants import Grant
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson

CLINIC_JOBS = frozenset({"physician", "medical_clerk"})


class OpinionInvalid(InvalidInput):
    """A submission that fails the form's checks; ``details`` maps field id → message."""

    code = "CT-OPINION-INVALID"


# --- requests ---------------------------------------------------------------------------------


def create_request(
    session: Session,
    insurer_no: str,
    insured_no: str,
    application_no: str,
    institution_code: str,
    requested_on: dt.date,
    *,
    due_on: dt.date | None,
    doctor_name: str | None,
    created_by: str,
    source_file_id: int | None = None,
) -> OpinionRequest:
    """Store an open request and record 主治医意見書依頼日 unless the municipality sent one."""
    request = OpinionRequest(
        insurer_no=insurer_no,
        insured_no=insured_no,
        application_no=application_no,
        institution_code=institution_code,
        doctor_name=doctor_name,
        requested_on=requested_on,
        due_on=due_on,
        status="open",
        source_file_id=source_file_id,
        created_by=created_by,
        created_at=utcnow(),
    )
    session.add(request)
    session.flush()
    sync_access(session, request)
    code = MILESTONE_CODE_OF["opinion_requested_on"]
    set_platform_milestone(
        session, insurer_no, application_no, code, requested_on, f"request:{request.id}"
    )
    return request


def sync_access(session: Session, request: OpinionRequest) -> None:
    """Tell the access gate what access the request gives its institution now (after it was
    made, corrected, answered or cancelled)."""
    until, closed = rules.access_until(request.status, request.requested_on)
    access.set_opinion_access(
        session,
        f"opinion_request:{request.id}",
        insurer_no=request.insurer_no,
        insured_no=request.insured_no,
        institution_code=request.institution_code,
        until=until,
        closed=closed,
    )


def cancel_request(session: Session, request: OpinionRequest) -> None:
    if request.status == "open":
        request.status, request.closed_at = "cancelled", utcnow()
        sync_access(session, request)


def municipal_insurer(actor: Actor) -> str:
    if actor.organization_kind != "municipality" or actor.insurer_no is None:
        raise PermissionDenied("市町村職員の操作です", code="CT-MUNICIPAL-ONLY")
    return actor.insurer_no


def register_opinion_request(
    session: Session,
    settings: Settings,
    actor: Actor,
    *,
    insured_no: str,
    application_no: str,
    institution_code: str,
    requested_on: dt.date,
    due_on: dt.date | None = None,
    doctor_name: str | None = None,
) -> OpinionRequest:
    """The municipality asks a medical institution for the opinion of one application."""
    insurer_no = municipal_insurer(actor)
    access.open_kind(session, settings, actor, insurer_no, insured_no, "opinion", "write")
    application = session.get(CertApplication, (insurer_no, application_no))
    if application is None or application.deleted or application.insured_no != insured_no:
        raise NotFound("この被保険者の申請番号が見つかりません", code="CT-UNKNOWN-APPLICATION")
    if not (institution_code.isdigit() and len(institution_code) == 10):
        raise InvalidInput(
            "医療機関コードは10桁の数字です",
            code="CT-INSTITUTION-CODE",
            details={"field": "institution_code", "value": institution_code},
        )
    if due_on is not None and due_on < requested_on:
        raise InvalidInput(
            "提出期限が依頼日より前です", code="CT-DUE-BEFORE-REQUEST", details={"field": "due_on"}
        )
    duplicate = session.scalar(
        select(OpinionRequest).where(
            OpinionRequest.insurer_no == insurer_no,
            OpinionRequest.application_no == application_no,
            OpinionRequest.institution_code == institution_code,
        )
    )
    if duplicate is not None:
        raise Conflict(
            "この申請について同じ医療機関への依頼が登録済みです",
            code="CT-REQUEST-EXISTS",
            details={"request_id": duplicate.id},
        )
    return create_request(
        session,
        insurer_no,
        insured_no,
        application_no,
        institution_code,
        requested_on,
        due_on=due_on,
        doctor_name=doctor_name,
        created_by=actor.display_name,
    )


def _clinic(actor: Actor) -> str:
    if actor.organization_kind != "medical" or not actor.organization_code:
        raise PermissionDenied("医療機関の職員の操作です", code="CT-CLINIC-ONLY")
    return actor.organization_code


@dataclass
class RequestRow:
    request: OpinionRequest
    person: InsuredPerson | None
    opinion: PhysicianOpinion | None
    grant: Grant | None = None  # set when the row was opened for the actor (the clinic's form)


def _opinion_of(session: Session, request_id: int) -> PhysicianOpinion | None:
    return session.scalar(select(PhysicianOpinion).where(PhysicianOpinion.request_id == request_id))


def clinic_requests(
    session: Session, settings: Settings, actor: Actor, *, status: str = "open"
) -> list[RequestRow]:
    """The institution's requests (open by default); each person shown passes the gate."""
    code = _clinic(actor)
    rows = []
    for request in session.scalars(
        select(OpinionRequest)
        .where(OpinionRequest.institution_code == code, OpinionRequest.status == status)
        .order_by(OpinionRequest.due_on.is_(None), OpinionRequest.due_on, OpinionRequest.id)
    ):
        grant = access.open_person(
            session, settings, actor, request.insurer_no, request.insured_no, ["opinion"], "list"
        )
        if grant.allows("opinion"):
            person = session.get(InsuredPerson, (request.insurer_no, request.insured_no))
            rows.append(RequestRow(request, person, _opinion_of(session, request.id)))
    return rows


def municipal_requests(
    session: Session, settings: Settings, actor: Actor, *, limit: int = 200
) -> list[RequestRow]:
    """The insurer's requests, newest first; each person shown passes the gate."""
    insurer_no = municipal_insurer(actor)
    rows = []
    for request in session.scalars(
        select(OpinionRequest)
        .where(OpinionRequest.insurer_no == insurer_no)
        .order_by(OpinionRequest.id.desc())
        .limit(limit)
    ):
        access.open_kind(
            session, settings, actor, insurer_no, request.insured_no, "opinion", "list"
        )
        person = session.get(InsuredPerson, (insurer_no, request.insured_no))
        rows.append(RequestRow(request, person, _opinion_of(session, request.id)))
    return rows


def clinic_request(
    session: Session, settings: Settings, actor: Actor, request_id: int, action: str = "read"
) -> RequestRow:
    """One of the institution's requests, through the gate (404 for another institution's)."""
    code = _clinic(actor)
    request = session.get(OpinionRequest, request_id)
    if request is None or request.institution_code != code:
        raise NotFound("依頼が見つかりません", code="CT-REQUEST-NOT-FOUND")
    grant = access.open_kind(
        session, settings, actor, request.insurer_no, request.insured_no, "opinion", action
    )
    person = session.get(InsuredPerson, (request.insurer_no, request.insured_no))
    return RequestRow(request, person, _opinion_of(session, request.id), grant)


# --- drafts and submission --------------------------------------------------------------------


def _writable(row: RequestRow) -> None:
    if row.request.status != "open" or (row.opinion and row.opinion.status != "draft"):
        raise Conflict(
            "この依頼の意見書は提出済みか、依頼が取り消されています", code="CT-OPINION-CLOSED"
        )


def _store_draft(
    session: Session, row: RequestRow, actor: Actor, content: dict[str, Any]
) -> tuple[PhysicianOpinion, dict[str, str]]:
    _writable(row)
    content = opinion_form.normalise(content)
    problems = opinion_form.validate(content, final=False, today=today_jst())
    now = utcnow()
    opinion = row.opinion
    if opinion is None:
        request = row.request
        opinion = PhysicianOpinion(
            request_id=request.id,
            insurer_no=request.insurer_no,
            insured_no=request.insured_no,
            application_no=request.application_no,
            institution_code=request.institution_code,
            status="draft",
            created_at=now,
        )
        session.add(opinion)
        row.opinion = opinion
    opinion.content = content
    opinion.updated_at, opinion.updated_by = now, actor.display_name
    session.flush()
    return opinion, problems


def save_draft(
    session: Session, settings: Settings, actor: Actor, request_id: int, content: dict[str, Any]
) -> tuple[PhysicianOpinion, dict[str, str]]:
    """Save the form as entered (drafts may be incomplete); returns it with any malformed values."""
    row = clinic_request(session, settings, actor, request_id, "write")
    return _store_draft(session, row, actor, content)


def document(opinion: PhysicianOpinion) -> dict[str, Any]:
    """The signed document: identifiers, the form id and version, and the content."""
    return {
        "form": opinion_form.FORM_ID,
        "form_version": opinion_form.FORM_VERSION,
        "opinion_id": opinion.id,
        "request_id": opinion.request_id,
        "insurer_no": opinion.insurer_no,
        "insured_no": opinion.insured_no,
        "application_no": opinion.application_no,
        "institution_code": opinion.institution_code,
        "content": opinion_form.normalise(opinion.content),
    }


def canonical(opinion: PhysicianOpinion) -> bytes:
    """The canonical JSON bytes a doctor signs (``signing.canonical_json`` of ``document``)."""
    return signing.canonical_json(document(opinion))


def submit(
    session: Session,
    settings: Settings,
    actor: Actor,
    request_id: int,
    content: dict[str, Any] | None = None,
) -> PhysicianOpinion:
    """Check every item, freeze the opinion, close the request and record 主治医意見書入手日.

    Raises ``OpinionInvalid`` (details: field id → message) and changes nothing when a check
    fails. ``content`` replaces the draft's when given.
    """
    row = clinic_request(session, settings, actor, request_id, "write")
    if actor.job_type != "physician":
        # 主治医意見書 is the physician's: a clerk may prepare the draft, not submit it.
        access.record_event(
            session,
            settings,
            actor,
            row.request.insurer_no,
            row.request.insured_no,
            "opinion",
            "write",
            "PHYSICIAN-ONLY",
            outcome="denied",
        )
        raise PermissionDenied(
            "意見書を提出できるのは医師だけです（事務職員は下書きまで作成できます）",
            code="CT-PHYSICIAN-ONLY",
        )
    if content is not None:
        opinion, _problems = _store_draft(session, row, actor, content)
    else:
        _writable(row)
        if row.opinion is None:
            raise OpinionInvalid("意見書が入力されていません", details={})
        opinion = row.opinion
    problems = opinion_form.validate(opinion.content, final=True, today=today_jst())
    if problems:
        raise OpinionInvalid(
            f"入力内容に誤りが {len(problems)} 件あります。各項目を確認してください",
            details=problems,
        )
    now = utcnow()
    opinion.status, opinion.submitted_at = "submitted", now
    opinion.updated_at, opinion.updated_by = now, actor.display_name
    opinion.canonical_sha256 = signing.digest(canonical(opinion))
    row.request.status, row.request.closed_at = "submitted", now
    session.flush()
    sync_access(session, row.request)
    code = MILESTONE_CODE_OF["opinion_received_on"]
    set_platform_milestone(
        session,
        opinion.insurer_no,
        opinion.application_no,
        code,
        to_jst(now).date(),
        f"opinion:{opinion.id}",
    )
    return opinion


# --- reading ----------------------------------------------------------------------------------


def authored_opinion(
    session: Session, settings: Settings, actor: Actor, opinion_id: int, action: str = "read"
) -> PhysicianOpinion:
    """An opinion the actor's institution wrote, through the gate."""
    code = _clinic(actor)
    opinion = session.get(PhysicianOpinion, opinion_id)
    if opinion is None or opinion.institution_code != code:
        raise NotFound("意見書が見つかりません", code="CT-OPINION-NOT-FOUND")
    access.open_kind(
        session, settings, actor, opinion.insurer_no, opinion.insured_no, "opinion", action
    )
    return opinion


def read_opinion(
    session: Session, settings: Settings, actor: Actor, opinion_id: int
) -> PhysicianOpinion:
    """A submitted opinion (or the actor institution's own draft), through the gate. A clinic
    reads only its own opinions; an office does not read one whose physician said 「同意しない」
    to its use for care plans (refused and audited)."""
    opinion = session.get(PhysicianOpinion, opinion_id)
    medical = actor.organization_kind == "medical"
    own = medical and opinion is not None and opinion.institution_code == actor.organization_code
    if opinion is None or (opinion.status != "submitted" and not own) or (medical and not own):
        raise NotFound("意見書が見つかりません", code="CT-OPINION-NOT-FOUND")
    access.open_kind(
        session, settings, actor, opinion.insurer_no, opinion.insured_no, "opinion", "read"
    )
    refusal = withheld_from(session, settings, actor, opinion)
    if refusal is not None:
        raise PermissionDenied(refusal, code=NO_CONSENT_CODE)
    return opinion


def clinic_authored(
    session: Session, settings: Settings, actor: Actor, *, limit: int = 200
) -> list[tuple[PhysicianOpinion, InsuredPerson | None]]:
    """Opinions the institution submitted, newest first. The person is shown (and the opinion
    can be opened) only while the gate allows; otherwise the person is None."""
    code = _clinic(actor)
    out = []
    for opinion in session.scalars(
        select(PhysicianOpinion)
        .where(PhysicianOpinion.institution_code == code, PhysicianOpinion.status == "submitted")
        .order_by(PhysicianOpinion.submitted_at.desc())
        .limit(limit)
    ):
        grant = access.open_person(
            session, settings, actor, opinion.insurer_no, opinion.insured_no, ["opinion"], "list"
        )
        person = (
            session.get(InsuredPerson, (opinion.insurer_no, opinion.insured_no))
            if grant.allows("opinion")
            else None
        )
        out.append((opinion, person))
    return out


def prior_opinions(
    session: Session,
    grant: Grant,
    *,
    institution_code: str,
    exclude_request: int | None = None,
) -> list[PhysicianOpinion]:
    """The person's opinions that this medical institution submitted, newest first (a clinic
    sees its own past opinions, never another clinic's)."""
    grant.require("opinion")
    stmt = (
        select(PhysicianOpinion)
        .where(
            PhysicianOpinion.insurer_no == grant.insurer_no,
            PhysicianOpinion.insured_no == grant.insured_no,
            PhysicianOpinion.institution_code == institution_code,
            PhysicianOpinion.status == "submitted",
        )
        .order_by(PhysicianOpinion.submitted_at.desc())
    )
    if exclude_request is not None:
        stmt = stmt.where(PhysicianOpinion.request_id != exclude_request)
    return list(session.scalars(stmt))


NO_CONSENT_CODE = "PHYSICIAN-NO-CONSENT"
NO_CONSENT_MESSAGE = (
    "主治医が、この意見書を介護サービス計画作成等に利用することに同意していないため表示できません"
)


def refuses_care_plan_use(opinion: PhysicianOpinion) -> bool:
    """The physician answered 「同意しない」 to 本意見書が介護サービス計画作成等に利用されることへの同意
    (``h_consent`` 2): offices may not see the opinion; the municipality may."""
    return str((opinion.content or {}).get("h_consent") or "") == "2"


def withheld_from(
    session: Session, settings: Settings, actor: Actor, opinion: PhysicianOpinion
) -> str | None:
    """Why this actor, already through the gate, still may not see this opinion (the message),
    or None. An office does not see one the physician refused for care plans; the refusal is
    audited as a denial."""
    if actor.groups in (("municipality",), ("medical",)) or not refuses_care_plan_use(opinion):
        return None
    access.record_event(
        session,
        settings,
        actor,
        opinion.insurer_no,
        opinion.insured_no,
        "opinion",
        "read",
        NO_CONSENT_CODE,
        outcome="denied",
    )
    return NO_CONSENT_MESSAGE


def submitted_for_application(
    session: Session, grant: Grant, application_no: str
) -> PhysicianOpinion | None:
    """The submitted opinion of one of the person's applications, if any."""
    grant.require("opinion")
    return session.scalar(
        select(PhysicianOpinion)
        .where(
            PhysicianOpinion.insurer_no == grant.insurer_no,
            PhysicianOpinion.insured_no == grant.insured_no,
            PhysicianOpinion.application_no == application_no,
            PhysicianOpinion.status == "submitted",
        )
        .order_by(PhysicianOpinion.submitted_at.desc())
        .limit(1)
    )
