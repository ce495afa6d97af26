"""The staff case file: a person's current (or given) case with its timeline and result, and —
where the gate allows — the survey and the 主治医意見書 (a denial is reported in their place)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.certification.cases.models import CertSurvey
from kaigo_kiban.certification.cases.progress import case_dict, result_dict, survey_dict
from kaigo_kiban.certification.cases.service import person_cases
from kaigo_kiban.certification.opinions import service as opinions
from kaigo_kiban.certification.opinions.reading import opinion_view
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.registry.models import InsuredPerson


def _denied(decision: Any) -> dict[str, Any]:
    return {"denied": {"code": decision.reason, "message": decision.message}}


def case_view(
    session: Session,
    settings: Settings,
    actor: Actor,
    insurer_no: str,
    insured_no: str,
    application_no: str | None = None,
) -> dict[str, Any]:
    """A person's current (or given) case for staff: timeline, result, and — where the gate
    allows — the survey and the opinion (a denial is reported in their place)."""
    grant = access.open_kind(session, settings, actor, insurer_no, insured_no, "progress", "read")
    today = today_jst()
    person = session.get(InsuredPerson, (insurer_no, insured_no))
    cases = person_cases(session, grant)
    chosen = next((c for c in cases if c.application.application_no == application_no), None)
    case = chosen if application_no else (cases[0] if cases else None)
    out: dict[str, Any] = {
        "person": person,
        "case": case_dict(case, today) if case else None,
        "applications": [
            {
                "application_no": c.application.application_no,
                "applied_on": c.application.applied_on,
                "label": c.progress(today).label,
            }
            for c in cases
        ],
        "previous_result": next(
            (result_dict(c) for c in cases if c is not case and c.result is not None), None
        ),
        "survey": None,
        "opinion": None,
    }
    if case is None:
        return out
    no = case.application.application_no
    grant = access.open_person(session, settings, actor, insurer_no, insured_no, ["survey"])
    if not grant.allows("survey"):
        out["survey"] = _denied(grant.decision("survey"))
    elif (survey := session.get(CertSurvey, (insurer_no, no))) is not None:
        out["survey"] = survey_dict(survey)
    grant = access.open_person(session, settings, actor, insurer_no, insured_no, ["opinion"])
    if not grant.allows("opinion"):
        out["opinion"] = _denied(grant.decision("opinion"))
    elif (opinion := opinions.submitted_for_application(session, grant, no)) is not None:
        refusal = opinions.withheld_from(session, settings, actor, opinion)
        out["opinion"] = (
            {"denied": {"code": opinions.NO_CONSENT_CODE, "message": refusal}}
            if refusal is not None
            else opinion_view(session, settings, opinion)
        )
    return out
