"""主治医意見書 rules: how long an opinion request opens the person's data to the medical
institution. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt

# How long after the request a medical institution keeps access once it has submitted the
# opinion (inferred: the 5-month horizon municipal progress viewers use, DOMAIN.md §3.2), so
# that it can re-read what it wrote and answer the municipality's questions.
OPINION_ACCESS_DAYS = 150


def opinion_request_grants_access(status: str, requested_on: dt.date, today: dt.date) -> bool:
    """An ``open`` request always does; a ``submitted`` one for ``OPINION_ACCESS_DAYS`` after the
    request; a ``cancelled`` one never."""
    if status == "open":
        return True
    return status == "submitted" and (today - requested_on).days <= OPINION_ACCESS_DAYS
