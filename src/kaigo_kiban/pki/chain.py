"""Certificate path validation with CRLs, and detached signatures over bytes.

Used outside TLS: the identity area verifies My Number card certificates with it, and
signed physician opinions will be verified with :func:`verify_detached`. The checks are
explicit rather than a web-PKI policy because the trust anchors (the platform CA, a card
CA) are not web CAs: no host names, RSA or ECDSA keys, one or two levels deep.

A path is accepted when every certificate is within its validity period at the given
time, each is signed by the next (up to a trust anchor), intermediates are CAs allowed to
sign certificates, the leaf is an end entity with the required key usage, and — for every
certificate below the anchor — a CRL signed by its issuer is available, is current, and
does not list it. A missing or stale CRL fails closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ObjectIdentifier

from kaigo_kiban.core.errors import KibanError

MAX_DEPTH = 4


class ChainError(KibanError):
    """A certificate or signature did not verify. ``code`` says which check failed."""

    code = "PKI-CHAIN"
    http_status = 422


MESSAGES = {
    "PKI-CERT-INVALID": "証明書を読み取れません",
    "PKI-CHAIN-UNTRUSTED": "信頼できる認証局が発行した証明書ではありません",
    "PKI-CERT-EXPIRED": "証明書の有効期限が切れています",
    "PKI-CERT-NOT-YET-VALID": "証明書の有効期間がまだ始まっていません",
    "PKI-CERT-REVOKED": "証明書は失効しています",
    "PKI-CRL-UNAVAILABLE": "失効情報 (CRL) を確認できないため、証明書を検証できません",
    "PKI-CERT-USAGE": "この用途には使えない証明書です",
    "PKI-SIGNATURE-INVALID": "署名を検証できません",
}


def _fail(code: str, **details: object) -> ChainError:
    return ChainError(MESSAGES[code], code=code, details=details or None)


@dataclass
class TrustStore:
    """Trust anchors and the CRLs of the CAs that issue under them."""

    anchors: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def load_trust_store(*directories: Path) -> TrustStore:
    """Read anchors and CRLs from directories: every ``*.pem``/``*.crt``/``*.cer`` holding CA
    certificates (leaf certificates are ignored), and ``*.pem``/``*.crl``/``*.der`` CRLs."""
    store = TrustStore()
    for directory in directories:
        directory = Path(directory)
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.name.endswith(("-key.pem", ".key.pem")):
                continue
            data = path.read_bytes()
            if b"-----BEGIN CERTIFICATE-----" in data:
                store.anchors += [c for c in x509.load_pem_x509_certificates(data) if _is_ca(c)]
            elif b"-----BEGIN X509 CRL-----" in data:
                store.crls.append(x509.load_pem_x509_crl(data))
            elif path.suffix.lower() in (".crl", ".der"):
                try:
                    store.crls.append(x509.load_der_x509_crl(data))
                except ValueError:
                    continue
    return store


def load_pem_chain(pem: bytes | str) -> list[x509.Certificate]:
    """Certificates in a PEM text (leaf first); raises ``PKI-CERT-INVALID`` when unreadable."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise _fail("PKI-CERT-INVALID") from exc
    if not certs:
        raise _fail("PKI-CERT-INVALID")
    return certs


def _within(cert: x509.Certificate, at: dt.datetime) -> None:
    if at < cert.not_valid_before_utc:
        raise _fail("PKI-CERT-NOT-YET-VALID", subject=cert.subject.rfc4514_string())
    if at > cert.not_valid_after_utc:
        raise _fail("PKI-CERT-EXPIRED", subject=cert.subject.rfc4514_string())


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _may_sign_certificates(cert: x509.Certificate) -> bool:
    if not _is_ca(cert):
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _check_crl(
    cert: x509.Certificate, issuer: x509.Certificate, store: TrustStore, at: dt.datetime
) -> None:
    """The newest valid CRL of ``issuer`` must be current and must not list ``cert``."""
    candidates = [
        crl
        for crl in store.crls
        if crl.issuer == issuer.subject and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    ]
    if not candidates:
        raise _fail("PKI-CRL-UNAVAILABLE", issuer=issuer.subject.rfc4514_string())
    crl = max(candidates, key=lambda c: c.last_update_utc)
    if crl.next_update_utc is None or crl.next_update_utc < at:
        raise _fail("PKI-CRL-UNAVAILABLE", issuer=issuer.subject.rfc4514_string(), stale=True)
    revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if revoked is not None and revoked.revocation_date_utc <= at:
        raise _fail("PKI-CERT-REVOKED")


def _check_leaf_usage(leaf: x509.Certificate, required_eku: ObjectIdentifier | None) -> None:
    if _is_ca(leaf):
        raise _fail("PKI-CERT-USAGE")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise _fail("PKI-CERT-USAGE")
    except x509.ExtensionNotFound:
        pass
    if required_eku is None:
        return
    try:
        ekus = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return  # no EKU extension: unrestricted (RFC 5280 §4.2.1.12)
    if required_eku not in ekus and x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in ekus:
        raise _fail("PKI-CERT-USAGE")


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    store: TrustStore,
    at: dt.datetime,
    *,
    required_eku: ObjectIdentifier | None = None,
) -> list[x509.Certificate]:
    """Validate ``leaf`` up to a trust anchor at time ``at``; returns the path (leaf first).

    Raises :class:`ChainError` with the code of the first failed check.
    """
    _check_leaf_usage(leaf, required_eku)
    pool = list(intermediates)
    path = [leaf]
    current = leaf
    for _ in range(MAX_DEPTH):
        _within(current, at)
        anchor = next(
            (a for a in store.anchors if a.subject == current.issuer and _signed_by(current, a)),
            None,
        )
        if anchor is not None:
            _within(anchor, at)
            _check_crl(current, anchor, store, at)
            return [*path, anchor]
        issuer = next(
            (
                c
                for c in pool
                if c.subject == current.issuer
                and _may_sign_certificates(c)
                and _signed_by(current, c)
            ),
            None,
        )
        if issuer is None:
            break
        _check_crl(current, issuer, store, at)
        pool.remove(issuer)
        path.append(issuer)
        current = issuer
    raise _fail("PKI-CHAIN-UNTRUSTED", issuer=current.issuer.rfc4514_string())


def sign_detached(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, data: bytes) -> bytes:
    """A detached signature over ``data``: ECDSA-SHA256 (DER) or RSA PKCS#1 v1.5 SHA-256."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def verify_signature(
    cert: x509.Certificate,
    signature: bytes,
    *,
    data: bytes | None = None,
    digest: bytes | None = None,
) -> None:
    """Check a SHA-256 signature by ``cert``'s key over ``data``, or over its SHA-256 ``digest``.

    The digest form lets a server verify a signature over a secret it keeps only hashed.
    """
    public_key = cert.public_key()
    if digest is not None:
        message, algorithm = digest, Prehashed(hashes.SHA256())
    elif data is not None:
        message, algorithm = data, hashes.SHA256()
    else:
        raise ValueError("data or digest is required")
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, padding.PKCS1v15(), algorithm)
        else:
            raise _fail("PKI-CERT-USAGE")
    except InvalidSignature as exc:
        raise _fail("PKI-SIGNATURE-INVALID") from exc


def verify_detached(
    data: bytes,
    signature: bytes,
    chain: list[x509.Certificate] | bytes | str,
    store: TrustStore,
    at: dt.datetime,
    *,
    required_eku: ObjectIdentifier | None = None,
) -> x509.Certificate:
    """Verify a detached signature over ``data`` made by the first certificate of ``chain``
    (the others are untrusted intermediates) and the chain itself; returns the signer."""
    certs = chain if isinstance(chain, list) else load_pem_chain(chain)
    if not certs:
        raise _fail("PKI-CERT-INVALID")
    verify_chain(certs[0], certs[1:], store, at, required_eku=required_eku)
    verify_signature(certs[0], signature, data=data)
    return certs[0]


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
