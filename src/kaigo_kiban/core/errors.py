"""Domain errors with stable codes.

Every error a user or a program can see carries a stable ``code`` (for programs) and a
Japanese ``message`` (for people). The web layer maps them to
``{"error": {"code", "message", "details"}}`` in one place; services never raise HTTP errors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any


class KibanError(Exception):
    """Base of every domain error. ``code`` is stable; ``message`` is Japanese."""

    code: str = "KK-ERROR"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(KibanError):
    code = "KK-NOT-FOUND"
    http_status = 404


class InvalidInput(KibanError):
    code = "KK-INVALID"
    http_status = 422


class Conflict(KibanError):
    code = "KK-CONFLICT"
    http_status = 409


class Unauthenticated(KibanError):
    code = "KK-AUTH-REQUIRED"
    http_status = 401


class PermissionDenied(KibanError):
    code = "KK-FORBIDDEN"
    http_status = 403


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem in one cell of a file (or one field of a request).

    ``line`` and ``column`` are 1-based; ``column`` is 0 when the problem concerns the whole
    line (wrong column count, undecodable bytes) and ``line`` is 0 for the whole file.
    """

    code: str
    message: str
    line: int = 0
    column: int = 0
    value: str | None = None
    field: str | None = None
    file: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["extra"]:
            data.pop("extra")
        return data


class FileRejected(KibanError):
    """A file (or request body) failed validation; ``errors`` lists every problem found."""

    code = "KK-FILE-REJECTED"
    http_status = 422

    def __init__(self, message: str, errors: list[FieldError], *, code: str | None = None) -> None:
        super().__init__(message, code=code, details=[e.to_dict() for e in errors])
        self.errors = errors
