"""The capability a reader of a person's data takes: proof that the gate decided and audited.

Only the access gate (``access.service.open_person``) issues a :class:`Grant`: it needs the
seal of :mod:`kaigo_kiban.core.grant_seal`, and an import-linter contract lets no other module
import that. Every reader of personal data takes a grant and refuses a data kind the grant
does not carry (:meth:`Grant.require`), so a read that skipped the gate cannot be written —
mypy reports the missing argument, and a forged grant fails at construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kaigo_kiban.core.errors import PermissionDenied

_SEAL = object()


@dataclass(frozen=True)
class Decision:
    """The gate's decision on one data kind (the pure ``access.rules.decide`` returns it)."""

    allowed: bool
    reason: str  # stable code, recorded in the audit log
    message: str  # Japanese, shown to users when denied


class KindNotGranted(PermissionDenied):
    """A reader was handed a grant that does not carry the data kind it reads."""

    code = "ACCESS-KIND-NOT-GRANTED"


@dataclass(frozen=True)
class Grant:
    """What one actor may do with one person's data, as decided and audited by the gate."""

    insurer_no: str
    insured_no: str
    action: str
    decisions: Mapping[str, Decision]
    seal: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.seal is not _SEAL:
            raise TypeError(
                "a Grant is issued by the access gate only (access.service.open_person)"
            )

    @property
    def person(self) -> tuple[str, str]:
        return (self.insurer_no, self.insured_no)

    @property
    def kinds(self) -> frozenset[str]:
        """The data kinds the gate allowed."""
        return frozenset(k for k, d in self.decisions.items() if d.allowed)

    @property
    def refused(self) -> dict[str, Decision]:
        """The data kinds the gate refused, with the refusal."""
        return {k: d for k, d in self.decisions.items() if not d.allowed}

    def decision(self, kind: str) -> Decision:
        return self.decisions[kind]

    def allows(self, kind: str) -> bool:
        return kind in self.kinds

    def require(self, kind: str, action: str | None = None) -> None:
        """Refuse (raise) unless the gate allowed ``kind`` (and, when given, for ``action``:
        a grant to read does not let a writer write)."""
        if kind not in self.kinds or (action is not None and action != self.action):
            raise KindNotGranted(
                "この情報を参照する権限の確認が行われていません",
                details={"data_kind": kind, "action": action or self.action},
            )
