"""主治医意見書 rules: how long an opinion request opens the person's data to the medical
institution. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt

# How long after the request a medical institution keeps access once it has submitted the
# opinion (inferred: the 5-month horizon municipal progress viewers use, docs/domain.md §3.2), so
# that it can re-read what it wrote and answer the municipality's questions.
OPINION_ACCESS_DAYS = 150


def access_until(status: str, requested_on: dt.date) -> tuple[dt.date | None, bool]:
    """The access a request gives its institution, as ``(until, closed)`` for the access gate:
    an ``open`` request gives it without end; a ``submitted`` one for ``OPINION_ACCESS_DAYS``
    after the request; a ``cancelled`` one never."""
    if status == "open":
        return None, False
    if status == "submitted":
        return requested_on + dt.timedelta(days=OPINION_ACCESS_DAYS), False
    return None, True
