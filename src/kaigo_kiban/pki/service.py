"""The platform certificate authority: create it, issue and revoke certificates, sign CRLs.

The CA is a directory (layout and ledger in :mod:`kaigo_kiban.pki.ledger`, see docs/pki.md).
The same functions run the demo My Number card CA of the identity area.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import Conflict, InvalidInput, NotFound
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.pki import ledger, rules
from kaigo_kiban.pki.ledger import CA_CERT, CA_KEY, CRL_DER, CRL_PEM, ISSUED, IndexEntry

# RFC 9336 id-kp-documentSigning: signed physician opinions.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_EKUS: dict[str, list[ObjectIdentifier]] = {
    "client": [ExtendedKeyUsageOID.CLIENT_AUTH],
    "server": [ExtendedKeyUsageOID.SERVER_AUTH],
    "doctor": [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING],
    "card": [ExtendedKeyUsageOID.CLIENT_AUTH],
}
_REASON_FLAGS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


@dataclass(frozen=True)
class CertificateAuthority:
    directory: Path
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    entry: IndexEntry


def default_ca_dir(settings: Settings) -> Path:
    """Where the platform CA lives unless a directory is given: ``<data_dir>/pki``."""
    return Path(settings.data_dir) / "pki"


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lower-case hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _key_bytes(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _key_usage(*, ca: bool = False, non_repudiation: bool = False) -> x509.KeyUsage:
    """Signing only: a CA signs certificates and CRLs; a doctor's key also commits to content."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def init_ca(
    directory: Path,
    *,
    common_name: str = "kaigo-kiban platform CA",
    organization: str = "kaigo-kiban",
    passphrase: bytes | None = None,
    now: dt.datetime | None = None,
) -> CertificateAuthority:
    """Create a CA (key + self-signed certificate + empty index + first CRL) in ``directory``."""
    directory = Path(directory)
    if (directory / CA_CERT).exists():
        raise Conflict(
            f"認証局は既に作成されています: {directory}",
            code="PKI-CA-EXISTS",
            details={"directory": str(directory)},
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ISSUED).mkdir(exist_ok=True)
    now = now or utcnow()
    key = new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, rules.OU_CA),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - rules.CLOCK_SKEW)
        .not_valid_after(rules.add_years(now, rules.CA_VALIDITY_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    with ledger.locked(directory):
        ledger.write_file(directory / CA_KEY, _key_bytes(key, passphrase), private=True)
        ledger.write_file(directory / CA_CERT, cert.public_bytes(serialization.Encoding.PEM))
        ledger.write_index(
            directory, {"version": 1, "crl_number": 0, "crl_last_update": None, "certificates": []}
        )
    ca = CertificateAuthority(directory, cert, key)
    publish_crl(ca, now=now)
    return ca


def load_ca(directory: Path, passphrase: bytes | None = None) -> CertificateAuthority:
    """Open an existing CA directory (key included: for issuing and revoking)."""
    directory = Path(directory)
    if not (directory / CA_CERT).exists() or not (directory / CA_KEY).exists():
        raise NotFound(
            f"認証局が見つかりません: {directory} (先に init-ca を実行してください)",
            code="PKI-CA-NOT-FOUND",
            details={"directory": str(directory)},
        )
    cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    try:
        key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), passphrase)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "認証局の秘密鍵を読み込めません (パスフレーズを確認してください)", code="PKI-CA-KEY"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InvalidInput("認証局の秘密鍵の形式が正しくありません", code="PKI-CA-KEY")
    return CertificateAuthority(directory, cert, key)


def ensure_ca(directory: Path, **kwargs: Any) -> CertificateAuthority:
    """Open the CA in ``directory``, creating it first when absent (demo and test CAs)."""
    if (Path(directory) / CA_CERT).exists():
        return load_ca(directory)
    return init_ca(directory, **kwargs)


def load_ca_certificate(directory: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((Path(directory) / CA_CERT).read_bytes())


def _subject(ou: str, org_code: str | None, common_name: str, organization: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
    ]
    if org_code:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, org_code))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _ca_organization(ca: CertificateAuthority) -> str:
    values = ca.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(values[0].value) if values else "kaigo-kiban"


def issue(
    ca: CertificateAuthority,
    kind: str,
    *,
    ou: str,
    common_name: str,
    org_code: str | None = None,
    years: int = 1,
    san: list[x509.GeneralName] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> IssuedCertificate:
    """Issue a leaf certificate of one ``kind`` (client | server | doctor | card) with a new key.

    ``not_before`` / ``not_after`` override the computed period (tests make expired
    certificates this way). A leaf never outlives its CA.
    """
    now = now or utcnow()
    start = not_before or now - rules.CLOCK_SKEW
    end = not_after or rules.add_years(now, years)
    if end > ca.certificate.not_valid_after_utc:
        raise InvalidInput(
            "証明書の有効期限が認証局の有効期限を超えます。認証局を更新してください",
            code="PKI-CA-EXPIRES-FIRST",
        )
    key = new_key()
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_subject(ou, org_code, common_name, _ca_organization(ca)))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(non_repudiation=kind == "doctor"), critical=True)
        .add_extension(x509.ExtendedKeyUsage(_EKUS[kind]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())
    entry = IndexEntry(
        serial=rules.format_serial(cert.serial_number),
        kind=kind,
        subject=cert.subject.rfc4514_string(),
        org_code=org_code,
        name=common_name,
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        fingerprint_sha256=fingerprint(cert),
        issued_at=now.isoformat(),
    )
    with ledger.locked(ca.directory):
        index = ledger.read_index(ca.directory)
        index["certificates"].append(asdict(entry))
        (ca.directory / ISSUED).mkdir(exist_ok=True)
        ledger.write_file(
            ca.directory / ISSUED / f"{entry.serial}.pem",
            cert.public_bytes(serialization.Encoding.PEM),
        )
        ledger.write_index(ca.directory, index)
    return IssuedCertificate(cert, key, entry)


def issue_client_certificate(
    ca: CertificateAuthority, office_no: str, terminal: str, *, years: int = 1, **kwargs: Any
) -> IssuedCertificate:
    """A client certificate for one office terminal: OU=office, serialNumber=事業所番号, CN=端末名."""
    return issue(
        ca,
        "client",
        ou=rules.OU_OFFICE,
        org_code=rules.check_office_no(office_no),
        common_name=rules.check_terminal_name(terminal),
        years=rules.check_validity_years(years),
        **kwargs,
    )


def issue_doctor_certificate(
    ca: CertificateAuthority,
    institution_code: str,
    doctor_name: str,
    *,
    years: int = 3,
    email: str | None = None,
    **kwargs: Any,
) -> IssuedCertificate:
    """A signing certificate for a physician (non-repudiation, document signing)."""
    if not (institution_code.isdigit() and len(institution_code) == 10):
        raise InvalidInput(
            "医療機関コードは10桁の数字です",
            code="PKI-INSTITUTION-CODE",
            details={"value": institution_code},
        )
    return issue(
        ca,
        "doctor",
        ou=rules.OU_PHYSICIAN,
        org_code=institution_code,
        common_name=rules.check_terminal_name(doctor_name),
        years=rules.check_validity_years(years),
        san=[x509.RFC822Name(email)] if email else None,
        **kwargs,
    )


def issue_server_certificate(
    ca: CertificateAuthority, names: list[str], *, years: int = 1, **kwargs: Any
) -> IssuedCertificate:
    """A TLS server certificate for host names and IP addresses (first name becomes the CN)."""
    if not names:
        raise InvalidInput("サーバ名を1つ以上指定してください", code="PKI-SERVER-NAMES")
    san: list[x509.GeneralName] = []
    for name in names:
        try:
            san.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            san.append(x509.DNSName(name))
    return issue(
        ca, "server", ou=rules.OU_SERVER, common_name=names[0], years=years, san=san, **kwargs
    )


def revoke(
    ca: CertificateAuthority,
    serial: int,
    *,
    reason: str = "unspecified",
    now: dt.datetime | None = None,
) -> IndexEntry:
    """Mark a certificate revoked in the index and publish a new CRL at once."""
    rules.check_revocation_reason(reason)
    now = now or utcnow()
    wanted = rules.format_serial(serial)
    with ledger.locked(ca.directory):
        index = ledger.read_index(ca.directory)
        rows = [r for r in index["certificates"] if r["serial"] == wanted]
        if not rows:
            raise NotFound(
                f"シリアル番号 {wanted} の証明書は発行されていません",
                code="PKI-SERIAL-NOT-FOUND",
                details={"serial": wanted},
            )
        if rows[0]["revoked_at"]:
            raise Conflict(
                f"シリアル番号 {wanted} の証明書は既に失効しています",
                code="PKI-ALREADY-REVOKED",
                details={"serial": wanted},
            )
        rows[0]["revoked_at"] = now.replace(microsecond=0).isoformat()
        rows[0]["revocation_reason"] = reason
        ledger.write_index(ca.directory, index)
    publish_crl(ca, now=now)
    return IndexEntry(**rows[0])


def build_crl(
    ca: CertificateAuthority, *, days: int = rules.CRL_VALIDITY_DAYS, now: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    """Sign a new CRL of every revoked certificate and record its number in the index."""
    now = now or utcnow()
    with ledger.locked(ca.directory):
        index = ledger.read_index(ca.directory)
        previous = index.get("crl_last_update")
        this_update = rules.next_crl_update(
            now, dt.datetime.fromisoformat(previous) if previous else None
        )
        number = int(index.get("crl_number", 0)) + 1
        ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.certificate.subject)
            .last_update(this_update)
            .next_update(this_update + dt.timedelta(days=days))
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                critical=False,
            )
        )
        for row in index["certificates"]:
            if not row["revoked_at"]:
                continue
            revoked = (
                x509.RevokedCertificateBuilder()
                .serial_number(int(row["serial"], 16))
                .revocation_date(dt.datetime.fromisoformat(row["revoked_at"]))
                .add_extension(
                    x509.CRLReason(_REASON_FLAGS[row["revocation_reason"] or "unspecified"]),
                    critical=False,
                )
                .build()
            )
            builder = builder.add_revoked_certificate(revoked)
        crl = builder.sign(ca.key, hashes.SHA256())
        index["crl_number"] = number
        index["crl_last_update"] = this_update.isoformat()
        ledger.write_index(ca.directory, index)
    return crl


def publish_crl(
    ca: CertificateAuthority, *, days: int = rules.CRL_VALIDITY_DAYS, now: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    """Build a new CRL and write it as ``crl.pem`` and ``crl.der`` in the CA directory."""
    crl = build_crl(ca, days=days, now=now)
    ledger.write_file(ca.directory / CRL_DER, crl.public_bytes(serialization.Encoding.DER))
    ledger.write_file(ca.directory / CRL_PEM, crl.public_bytes(serialization.Encoding.PEM))
    return crl


def write_crl(crl: x509.CertificateRevocationList, out: Path) -> Path:
    """Write a CRL to ``out``: DER when the name ends in ``.der``, PEM otherwise."""
    encoding = (
        serialization.Encoding.DER if out.suffix.lower() == ".der" else serialization.Encoding.PEM
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_file(out, crl.public_bytes(encoding))
    return out


def load_crl(directory: Path) -> x509.CertificateRevocationList:
    return x509.load_pem_x509_crl((Path(directory) / CRL_PEM).read_bytes())


def write_bundle(
    issued: IssuedCertificate,
    ca_certificate: x509.Certificate,
    out_dir: Path,
    stem: str,
    *,
    p12_password: bytes | None = None,
) -> dict[str, Path]:
    """Write ``<stem>.key.pem`` (0600), ``<stem>.cert.pem``, ``ca.pem`` and, with a password,
    ``<stem>.p12`` (PKCS#12 for importing into a browser or the OS certificate store)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "key": out_dir / f"{stem}.key.pem",
        "cert": out_dir / f"{stem}.cert.pem",
        "ca": out_dir / "ca.pem",
    }
    ledger.write_file(paths["key"], _key_bytes(issued.key, None), private=True)
    ledger.write_file(paths["cert"], issued.certificate.public_bytes(serialization.Encoding.PEM))
    ledger.write_file(paths["ca"], ca_certificate.public_bytes(serialization.Encoding.PEM))
    if p12_password:
        paths["p12"] = out_dir / f"{stem}.p12"
        data = pkcs12.serialize_key_and_certificates(
            stem.encode(),
            issued.key,
            issued.certificate,
            [ca_certificate],
            serialization.BestAvailableEncryption(p12_password),
        )
        ledger.write_file(paths["p12"], data, private=True)
    return paths
