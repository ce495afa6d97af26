"""The platform CA: issuing, revoking, CRLs, doctor signatures, and the office-match rule."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
import typer
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import Conflict, InvalidInput, NotFound
from kaigo_kiban.pki import chain, ledger, rules, service
from kaigo_kiban.pki.commands import app as pki_app

OFFICE = "1310100001"


@pytest.fixture
def ca(tmp_path: Path) -> service.CertificateAuthority:
    return service.init_ca(tmp_path / "ca")


def _store(ca: service.CertificateAuthority) -> chain.TrustStore:
    return chain.load_trust_store(ca.directory)


def test_client_certificate_names_office_and_terminal_for_client_auth(
    ca: service.CertificateAuthority,
) -> None:
    issued = service.issue_client_certificate(ca, OFFICE, "受付端末1")
    cert = issued.certificate

    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == OFFICE
    assert (
        cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "office"
    )
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "受付端末1"
    ekus = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(ekus) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert (
        cert.signature_hash_algorithm is not None and cert.signature_hash_algorithm.name == "sha256"
    )
    assert issued.key.curve.name == "secp256r1"
    cert.verify_directly_issued_by(ca.certificate)


@pytest.mark.parametrize("years", [1, 3])
def test_validity_is_one_or_three_years(ca: service.CertificateAuthority, years: int) -> None:
    now = utcnow()
    cert = service.issue_client_certificate(ca, OFFICE, "端末", years=years, now=now).certificate
    assert cert.not_valid_after_utc.date() == now.replace(year=now.year + years).date()
    assert cert.not_valid_before_utc < now  # backdated for clock skew


@pytest.mark.parametrize("years", [0, 2, 5])
def test_other_validity_periods_are_refused(ca: service.CertificateAuthority, years: int) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        service.issue_client_certificate(ca, OFFICE, "端末", years=years)
    assert excinfo.value.code == "PKI-VALIDITY-YEARS"


@pytest.mark.parametrize(
    ("office", "terminal"),
    [("131010000", "端末"), ("13101000A1", "端末"), (OFFICE, ""), (OFFICE, "端" * 22)],
)
def test_bad_office_number_or_terminal_name_is_refused(
    ca: service.CertificateAuthority, office: str, terminal: str
) -> None:
    with pytest.raises(InvalidInput):
        service.issue_client_certificate(ca, office, terminal)


def test_revocation_is_published_in_pem_and_der_crl(
    ca: service.CertificateAuthority, tmp_path: Path
) -> None:
    keep = service.issue_client_certificate(ca, OFFICE, "端末1").certificate
    gone = service.issue_client_certificate(ca, OFFICE, "端末2").certificate

    service.revoke(ca, gone.serial_number, reason="key_compromise")
    der = service.write_crl(service.load_crl(ca.directory), tmp_path / "out.der")

    for crl in (service.load_crl(ca.directory), x509.load_der_x509_crl(der.read_bytes())):
        assert crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]
        assert crl.get_revoked_certificate_by_serial_number(gone.serial_number) is not None
        assert crl.get_revoked_certificate_by_serial_number(keep.serial_number) is None
        reason = crl.get_revoked_certificate_by_serial_number(gone.serial_number).extensions  # type: ignore[union-attr]
        assert (
            reason.get_extension_for_class(x509.CRLReason).value.reason
            == x509.ReasonFlags.key_compromise
        )


def test_each_crl_is_newer_and_numbered_higher(ca: service.CertificateAuthority) -> None:
    now = utcnow()
    first = service.publish_crl(ca, now=now)
    second = service.publish_crl(ca, now=now)  # the same second: must still be strictly newer
    number = lambda c: c.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert second.last_update_utc > first.last_update_utc
    assert number(second) == number(first) + 1


@given(
    st.datetimes(timezones=st.just(dt.UTC)),
    st.one_of(st.none(), st.datetimes(timezones=st.just(dt.UTC))),
)
def test_crl_update_time_always_moves_forward(
    now: dt.datetime, previous: dt.datetime | None
) -> None:
    if previous is not None:
        previous = previous.replace(microsecond=0)
    moment = rules.next_crl_update(now, previous)
    assert moment.microsecond == 0
    assert previous is None or moment > previous
    assert moment <= now - rules.CLOCK_SKEW or (
        previous is not None and moment == previous + dt.timedelta(seconds=1)
    )


def test_revoking_unknown_or_already_revoked_serial_is_refused(
    ca: service.CertificateAuthority,
) -> None:
    cert = service.issue_client_certificate(ca, OFFICE, "端末").certificate
    with pytest.raises(NotFound):
        service.revoke(ca, cert.serial_number + 1)
    service.revoke(ca, cert.serial_number)
    with pytest.raises(Conflict):
        service.revoke(ca, cert.serial_number)


def test_index_reports_valid_revoked_and_expired(ca: service.CertificateAuthority) -> None:
    now = utcnow()
    valid = service.issue_client_certificate(ca, OFFICE, "有効").entry
    revoked = service.issue_client_certificate(ca, OFFICE, "失効").entry
    expired = service.issue(
        ca,
        "client",
        ou="office",
        org_code=OFFICE,
        common_name="期限切れ",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    ).entry
    service.revoke(ca, int(revoked.serial, 16))

    status = {e.name: e.status(now) for e in ledger.list_certificates(ca.directory)}

    assert status == {valid.name: "valid", revoked.name: "revoked", expired.name: "expired"}
    assert (ca.directory / service.ISSUED / f"{valid.serial}.pem").exists()


def test_ca_key_is_private_and_can_be_passphrase_protected(tmp_path: Path) -> None:
    ca = service.init_ca(tmp_path / "locked", passphrase=b"correct horse")
    assert stat.S_IMODE((ca.directory / service.CA_KEY).stat().st_mode) == 0o600
    with pytest.raises(InvalidInput):
        service.load_ca(ca.directory)
    assert service.load_ca(ca.directory, b"correct horse").certificate == ca.certificate


def test_second_init_is_refused(ca: service.CertificateAuthority) -> None:
    with pytest.raises(Conflict):
        service.init_ca(ca.directory)


def test_doctor_signature_verifies_against_the_platform_ca(
    ca: service.CertificateAuthority,
) -> None:
    doctor = service.issue_doctor_certificate(
        ca, "1312345678", "医師 一郎", email="doctor@example.jp"
    )
    opinion = "主治医意見書 (合成データ)".encode()
    signature = chain.sign_detached(doctor.key, opinion)

    signer = chain.verify_detached(
        opinion,
        signature,
        chain.certificate_pem(doctor.certificate),
        _store(ca),
        utcnow(),
        required_eku=service.DOCUMENT_SIGNING,
    )

    assert signer.serial_number == doctor.certificate.serial_number
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


def _signature_failure(ca: service.CertificateAuthority, **tamper: object) -> str:
    doctor = service.issue_doctor_certificate(ca, "1312345678", "医師 一郎")
    data = b"opinion"
    signature = chain.sign_detached(doctor.key, data)
    certs = tamper.get("certs", [doctor.certificate])
    with pytest.raises(chain.ChainError) as excinfo:
        chain.verify_detached(
            tamper.get("data", data),
            tamper.get("signature", signature),
            certs,
            tamper.get("store", _store(ca)),  # type: ignore[arg-type]
            tamper.get("at", utcnow()),
            required_eku=service.DOCUMENT_SIGNING,  # type: ignore[arg-type]
        )
    return excinfo.value.code


def test_doctor_signature_failures_have_their_own_codes(
    ca: service.CertificateAuthority, tmp_path: Path
) -> None:
    assert _signature_failure(ca, data=b"opinion!") == "PKI-SIGNATURE-INVALID"
    assert (
        _signature_failure(
            ca, store=chain.load_trust_store(service.init_ca(tmp_path / "x").directory)
        )
        == "PKI-CHAIN-UNTRUSTED"
    )
    assert (
        _signature_failure(ca, at=utcnow() + dt.timedelta(days=8)) == "PKI-CRL-UNAVAILABLE"
    )  # CRL stale
    assert _signature_failure(ca, at=utcnow() + dt.timedelta(days=365 * 4)) == "PKI-CERT-EXPIRED"
    client = service.issue_client_certificate(ca, OFFICE, "端末").certificate
    assert (
        _signature_failure(ca, certs=[client]) == "PKI-CERT-USAGE"
    )  # a terminal cannot sign opinions


def test_revoked_doctor_certificate_no_longer_verifies(ca: service.CertificateAuthority) -> None:
    doctor = service.issue_doctor_certificate(ca, "1312345678", "医師 一郎")
    signature = chain.sign_detached(doctor.key, b"opinion")
    service.revoke(ca, doctor.certificate.serial_number)
    with pytest.raises(chain.ChainError) as excinfo:
        chain.verify_detached(b"opinion", signature, [doctor.certificate], _store(ca), utcnow())
    assert excinfo.value.code == "PKI-CERT-REVOKED"


@pytest.mark.parametrize(
    ("text", "value"), [("3A:4F", 0x3A4F), ("0x3a4f", 0x3A4F), (" 3A4F ", 0x3A4F), ("0A", 10)]
)
def test_serials_are_read_as_hexadecimal(text: str, value: int) -> None:
    assert rules.parse_serial(text) == value
    assert rules.parse_serial(rules.format_serial(value)) == value


@pytest.mark.parametrize("text", ["", "xyz", "12-34", "1" * 41])
def test_bad_serials_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        rules.parse_serial(text)


def _actor(kind: str, code: str) -> Actor:
    return Actor(kind="staff", display_name="職員", organization_kind=kind, organization_code=code)


def test_office_match_rule() -> None:
    rules.check_office_match(None, _actor("office", OFFICE))  # not over mutual TLS
    rules.check_office_match(OFFICE, _actor("office", OFFICE))
    for actor in (
        _actor("office", "1310100002"),
        _actor("municipality", OFFICE),
        _actor("medical", OFFICE),
    ):
        with pytest.raises(rules.OfficeMismatch) as excinfo:
            rules.check_office_match(OFFICE, actor)
        assert (excinfo.value.code, excinfo.value.http_status) == ("PKI-OFFICE-MISMATCH", 403)


def test_commands_issue_list_revoke_and_export_crl(tmp_path: Path) -> None:
    root = typer.Typer()
    root.add_typer(pki_app, name="pki")
    runner = CliRunner()
    ca_dir = ["--ca-dir", str(tmp_path / "ca")]

    def run(*args: str) -> str:
        result = runner.invoke(root, ["pki", *args, *ca_dir])
        assert result.exit_code == 0, result.output
        return result.output

    run("init-ca")
    issued = run(
        "issue-client",
        "--office",
        OFFICE,
        "--name",
        "受付端末1",
        "--out",
        str(tmp_path / "t"),
        "--years",
        "3",
    )
    run(
        "issue-doctor",
        "--institution",
        "1312345678",
        "--name",
        "医師 一郎",
        "--out",
        str(tmp_path / "d"),
    )
    serial = issued.split("シリアル番号 ")[1].split()[0]
    run("revoke", serial, "--reason", "cessation_of_operation")
    run("crl", "--out", str(tmp_path / "crl.der"))
    listing = json.loads(run("list", "--json"))

    assert [(e["kind"], e["status"]) for e in listing] == [
        ("client", "revoked"),
        ("doctor", "valid"),
    ]
    assert (tmp_path / "t" / f"{OFFICE}-受付端末1.p12").exists()
    assert stat.S_IMODE((tmp_path / "t" / f"{OFFICE}-受付端末1.key.pem").stat().st_mode) == 0o600
    crl = x509.load_der_x509_crl((tmp_path / "crl.der").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    refused = runner.invoke(root, ["pki", "revoke", serial, *ca_dir])
    assert refused.exit_code == 2 and "PKI-ALREADY-REVOKED" in refused.output
