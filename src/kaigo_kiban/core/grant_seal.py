"""Issuing a :class:`~kaigo_kiban.core.grants.Grant`: for the access gate alone.

The contract "Only the access gate issues grants" in ``.importlinter`` forbids every other
module from importing this one.
"""

from __future__ import annotations

from collections.abc import Mapping

from kaigo_kiban.core.grants import _SEAL, Decision, Grant


def issue(
    insurer_no: str, insured_no: str, action: str, decisions: Mapping[str, Decision]
) -> Grant:
    return Grant(insurer_no, insured_no, action, dict(decisions), seal=_SEAL)
