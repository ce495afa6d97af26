"""A CA directory on disk: its layout, atomic writes, the lock, and the index of certificates.

Layout (see docs/pki.md)::

    ca.pem          CA certificate (self-signed, ECDSA P-256)
    ca-key.pem      CA private key (0600; optionally encrypted with a passphrase)
    index.json      every certificate issued, with its revocation state (the CA's ledger)
    crl.pem/.der    the current certificate revocation list, re-published on every revocation
    issued/         a copy of every issued certificate, named by serial
    .lock           advisory lock serialising changes to the index

The index is a file, not a database table, on purpose: the CA is an operator tool that can
live on an offline machine; the web servers only need ``ca.pem`` and ``crl.pem``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaigo_kiban.pki import rules

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
CRL_PEM = "crl.pem"
CRL_DER = "crl.der"
INDEX = "index.json"
ISSUED = "issued"


@dataclass
class IndexEntry:
    """One issued certificate as recorded in ``index.json``."""

    serial: str
    kind: str
    subject: str
    org_code: str | None
    name: str
    not_before: str
    not_after: str
    fingerprint_sha256: str
    issued_at: str
    revoked_at: str | None = None
    revocation_reason: str | None = None

    def status(self, now: dt.datetime) -> str:
        """valid | expiring (within the renewal notice) | expired | revoked."""
        if self.revoked_at:
            return "revoked"
        not_after = dt.datetime.fromisoformat(self.not_after)
        if not_after < now:
            return "expired"
        if not_after - now <= dt.timedelta(days=rules.RENEWAL_NOTICE_DAYS):
            return "expiring"
        return "valid"


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write atomically (temp file + rename); private files are created 0600."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the CA directory's exclusive lock (``flock``) while changing the index."""
    with open(directory / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_index(directory: Path) -> dict[str, Any]:
    """The raw index: ``{"version", "crl_number", "crl_last_update", "certificates"}``."""
    return json.loads((directory / INDEX).read_text("utf-8"))


def write_index(directory: Path, index: dict[str, Any]) -> None:
    """Replace the index atomically (call under :func:`locked`)."""
    text = json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True)
    write_file(directory / INDEX, text.encode("utf-8"))


def list_certificates(directory: Path) -> list[IndexEntry]:
    """Every certificate the CA has issued, oldest first."""
    return [IndexEntry(**row) for row in read_index(Path(directory))["certificates"]]
