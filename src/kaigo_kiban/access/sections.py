"""An office's page of one section of a person's data, or why not (a gate denial shown as a
message, 403, with its audit row kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from kaigo_kiban.access.service import AccessDenied
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http.deps import render

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
