"""The demo's My Number cards: a card CA that plays J-LIS, and the cards it issues.

The platform trusts card certificates only from the card trust directory
(``identity.service.card_trust_dir``: CA certificates and their CRLs), demo or not. The demo
card CA is one more CA installed there: :func:`install_trust` writes its certificate and a
fresh CRL, on first use and after every revocation, as an operator installs J-LIS's. No trust
decision looks at a demo flag.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.pki import ledger
from kaigo_kiban.pki import service as pki

DEMO_CARD_CA_NAME = "kaigo-kiban demo card CA"  # plays J-LIS (利用者証明用電子証明書の発行者)
CARD_YEARS = 5  # 利用者証明用電子証明書: about five years (until the fifth birthday)


def card_ca_dir(settings: Settings) -> Path:
    """The demo card CA (key, issued certificates, CRL): ``<data_dir>/card-ca``."""
    return Path(settings.data_dir) / "card-ca"


def install_trust(settings: Settings, ca: pki.CertificateAuthority) -> None:
    """Put the CA's certificate and a fresh CRL into the card trust directory (as
    ``<ca dir name>.pem`` and ``<ca dir name>.crl``), so sign-ins and verifications trust it."""
    trust = identity.card_trust_dir(settings)
    trust.mkdir(parents=True, exist_ok=True)
    name = ca.directory.name
    pem = ca.certificate.public_bytes(serialization.Encoding.PEM)
    ledger.write_file(trust / f"{name}.pem", pem)
    pki.write_crl(pki.publish_crl(ca), trust / f"{name}.crl")


def card_ca(
    settings: Settings, ca_dir: Path | None = None, *, trust: bool = True
) -> pki.CertificateAuthority:
    """The demo card CA (created on first use), installed in the trust directory unless
    ``trust`` is False."""
    ca = pki.ensure_ca(
        ca_dir or card_ca_dir(settings),
        common_name=DEMO_CARD_CA_NAME,
        organization="kaigo-kiban demo JPKI",
    )
    if trust:
        install_trust(settings, ca)
    return ca


def issue_demo_card(
    session: Session,
    settings: Settings,
    insurer_no: str,
    insured_no: str,
    *,
    ca_dir: Path | None = None,
    trust: bool = True,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> pki.IssuedCertificate:
    """Issue a demo card (key + 利用者証明用-like certificate) and link it to the person.

    The certificate names no one: the link lives only in ``card_link``.
    """
    ca = card_ca(settings, ca_dir, trust=trust)
    identity.require_person(session, insurer_no, insured_no)
    issued = pki.issue(
        ca,
        "card",
        ou="card",
        common_name="利用者証明用電子証明書 (デモ)",
        years=CARD_YEARS,
        not_before=not_before,
        not_after=not_after,
    )
    identity.link_card(
        session, insurer_no, insured_no, issued.certificate, ca.certificate, source="DEMO_CARD_CA"
    )
    return issued


def issue_proxy_card(settings: Settings, name: str) -> pki.IssuedCertificate:
    """A demo card for someone who need not be insured: the card CA names them in the subject
    and no ``card_link`` is made (a proxy grant binds it)."""
    ca = card_ca(settings)
    return pki.issue(ca, "card", ou="card", common_name=f"{name} (デモ)", years=CARD_YEARS)


def revoke_demo_card(
    settings: Settings, serial: int, *, ca_dir: Path | None = None
) -> pki.IndexEntry:
    """Revoke a demo card certificate: the card CA's CRL, and its copy in the trust directory."""
    ca = pki.load_ca(ca_dir or card_ca_dir(settings))
    entry = pki.revoke(ca, serial, reason="key_compromise")
    install_trust(settings, ca)
    return entry
