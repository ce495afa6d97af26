"""Signed 主治医意見書: canonical JSON, a detached ECDSA signature, verification with the platform CA.

The signed bytes are the canonical JSON of the opinion document (``opinions.service.document``): keys
sorted, no insignificant white space, UTF-8, non-ASCII kept as is. Anyone holding the document
can rebuild the bytes, so verification later detects any change to any field.

Signatures are made and checked with ``kaigo_kiban.pki.chain`` (ECDSA P-256 / SHA-256; the
signer's certificate must chain to the platform CA in ``<data_dir>/pki`` with a current CRL,
carry the document-signing usage, and name the opinion's 医療機関コード).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.pki import chain
from kaigo_kiban.pki.rules import OU_PHYSICIAN
from kaigo_kiban.pki.service import DOCUMENT_SIGNING


def canonical_json(document: Any) -> bytes:
    """Sorted keys, compact separators, UTF-8 (non-ASCII unescaped)."""
    return json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    """Base64 of the DER ECDSA-SHA256 signature over ``data`` (what a signing client sends)."""
    return base64.b64encode(chain.sign_detached(key, data)).decode("ascii")


def _decode(signature: str) -> bytes:
    try:
        return base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "署名は Base64 で送信してください", code="CT-SIGNATURE-ENCODING"
        ) from exc


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def verify(
    data: bytes,
    signature: str,
    chain_pem: str,
    trust_dir: Path,
    at: dt.datetime,
    institution_code: str,
) -> x509.Certificate:
    """Check the signature, the signer's chain (at ``at``, the time we received it) and that the
    signer is a physician of ``institution_code``. Returns the signer's certificate; raises
    ``pki.chain.ChainError`` (PKI-…) or ``InvalidInput`` (CT-SIGNER-INSTITUTION)."""
    store = chain.load_trust_store(trust_dir)
    signer = chain.verify_detached(
        data, _decode(signature), chain_pem, store, at, required_eku=DOCUMENT_SIGNING
    )
    ou = _attribute(signer, NameOID.ORGANIZATIONAL_UNIT_NAME)
    code = _attribute(signer, NameOID.SERIAL_NUMBER)
    if ou != OU_PHYSICIAN or code != institution_code:
        raise InvalidInput(
            "署名した医師の証明書が、意見書を作成した医療機関のものではありません",
            code="CT-SIGNER-INSTITUTION",
            details={"certificate_institution": code, "opinion_institution": institution_code},
        )
    return signer
