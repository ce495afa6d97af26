"""What people read of a 主治医意見書: its content in the form's sections and the state of its
signature, for the printable page and the staff case file."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kaigo_kiban.certification.opinions import exchange
from kaigo_kiban.certification.opinions import form as opinion_form
from kaigo_kiban.core.settings import Settings


def opinion_view(session: Session, settings: Settings, opinion: Any) -> dict[str, Any]:
    check = exchange.verify(settings, opinion)
    return {
        "opinion_id": opinion.id,
        "institution_code": opinion.institution_code,
        "institution_name": exchange.institution_name(session, opinion.institution_code),
        "status": opinion.status,
        "submitted_at": opinion.submitted_at,
        "content": opinion_form.normalise(opinion.content),
        "sections": opinion_form.readable(opinion.content),
        "signature": {
            "signed": check.signed,
            "valid": check.valid,
            "code": check.code,
            "message": check.message,
            "signer": check.signer,
        },
    }
