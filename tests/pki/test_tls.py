"""Mutual TLS: the handshake rules (in memory, with OpenSSL's own reasons) and a real server process."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import typer
from typer.testing import CliRunner

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.app.commands import serve as serve_command
from kaigo_kiban.core.cli_context import CliContext
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate, unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.pki import service
from kaigo_kiban.pki.tls import (
    ClientCertMiddleware,
    CrlWatcher,
    ensure_server_certificate,
    server_context,
)
from tests.factories import INSURER_NO, make_insurer, make_org
from tests.identity.conftest import PERSON_A, add_person

OFFICE_1 = "1310100001"
OFFICE_2 = "1310100002"
PASSWORD = "Tls-Test-Pass-2026!"
WAIT = 60.0  # upper bound for any wait on the server process


@dataclass
class Pki:
    base: Path
    ca: service.CertificateAuthority

    def client(self, name: str) -> Path:
        return self.base / name

    def issue(
        self, name: str, office: str = OFFICE_1, ca: service.CertificateAuthority | None = None
    ) -> service.IssuedCertificate:
        authority = ca or self.ca
        issued = service.issue_client_certificate(authority, office, name)
        service.write_bundle(issued, authority.certificate, self.base / name, "t")
        return issued


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    base = tmp_path_factory.mktemp("tls")
    env = Pki(base, service.init_ca(base / "ca"))
    env.issue("good")
    env.issue("office2", OFFICE_2)
    service.revoke(env.ca, env.issue("revoked").certificate.serial_number)
    env.issue("foreign", ca=service.init_ca(base / "other-ca"))
    doctor = service.issue_doctor_certificate(env.ca, "1312345678", "医師 一郎")
    service.write_bundle(doctor, env.ca.certificate, base / "doctor", "t")
    return env


def _client_context(pki: Pki, name: str | None, *, max_tls12: bool = False) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca.directory / service.CA_CERT))
    if name:
        ctx.load_cert_chain(pki.client(name) / "t.cert.pem", pki.client(name) / "t.key.pem")
    if max_tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


# --- the handshake, in memory --------------------------------------------------------------


def _handshake(
    server: ssl.SSLContext, client: ssl.SSLContext, session: ssl.SSLSession | None = None
) -> tuple[str | None, ssl.SSLObject | None]:
    """Run a TLS handshake between two contexts over memory buffers: (server error, client end).

    On success one application record goes from server to client, so that the client also
    takes in any session ticket the server sends after the handshake.
    """
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname="127.0.0.1", session=session)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    client_done = server_done = False
    for _ in range(10):
        if not client_done:
            try:
                c.do_handshake()
                client_done = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                return f"client: {exc}", None
        s_in.write(c_out.read())
        if not server_done:
            try:
                s.do_handshake()
                server_done = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                return str(exc), None
        c_in.write(s_out.read())
        if client_done and server_done:
            assert s.getpeercert(binary_form=True)
            s.write(b"ok")
            c_in.write(s_out.read())
            assert c.read(2) == b"ok"
            return None, c
    raise AssertionError("handshake did not finish")


@pytest.fixture(scope="module")
def server_ctx(pki: Pki) -> ssl.SSLContext:
    cert, key = ensure_server_certificate(pki.ca.directory, ["127.0.0.1", "localhost"])
    return server_context(
        pki.ca.directory / service.CA_CERT, cert, key, pki.ca.directory / service.CRL_PEM
    )


def test_handshake_accepts_a_valid_office_certificate(pki: Pki, server_ctx: ssl.SSLContext) -> None:
    error, client = _handshake(server_ctx, _client_context(pki, "good"))
    assert error is None and client is not None and client.version() == "TLSv1.3"
    assert server_ctx.minimum_version == ssl.TLSVersion.TLSv1_3
    assert server_ctx.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF


@pytest.mark.parametrize(
    ("client", "max_tls12", "reason"),
    [
        (None, False, "PEER_DID_NOT_RETURN_A_CERTIFICATE"),
        ("revoked", False, "certificate revoked"),
        ("foreign", False, "unable to get local issuer certificate"),
        ("doctor", False, "unsuitable certificate purpose"),
        ("good", True, "UNSUPPORTED_PROTOCOL"),
    ],
)
def test_handshake_refusals_name_their_reason(
    pki: Pki, server_ctx: ssl.SSLContext, client: str | None, max_tls12: bool, reason: str
) -> None:
    error, _ = _handshake(server_ctx, _client_context(pki, client, max_tls12=max_tls12))
    assert error is not None and reason in error


def test_crl_watcher_makes_a_new_revocation_effective(pki: Pki) -> None:
    issued = pki.issue("later-revoked")
    cert, key = ensure_server_certificate(pki.ca.directory, ["127.0.0.1"])
    crl = pki.ca.directory / service.CRL_PEM
    ctx = server_context(pki.ca.directory / service.CA_CERT, cert, key, crl)
    watcher = CrlWatcher(ctx, crl)
    assert watcher.refresh() is False  # nothing changed yet

    service.revoke(pki.ca, issued.certificate.serial_number)
    before, _ = _handshake(ctx, _client_context(pki, "later-revoked"))
    reloaded = watcher.refresh()
    after, _ = _handshake(ctx, _client_context(pki, "later-revoked"))

    assert before is None
    assert reloaded is True
    assert after is not None and "certificate revoked" in after
    assert _handshake(ctx, _client_context(pki, "good"))[0] is None


def test_a_revoked_terminal_cannot_resume_an_earlier_session(pki: Pki) -> None:
    issued = pki.issue("resumer")
    cert, key = ensure_server_certificate(pki.ca.directory, ["127.0.0.1"])
    crl = pki.ca.directory / service.CRL_PEM
    ctx = server_context(pki.ca.directory / service.CA_CERT, cert, key, crl)
    client_ctx = _client_context(pki, "resumer")
    error, first = _handshake(ctx, client_ctx)
    assert error is None and first is not None

    service.revoke(pki.ca, issued.certificate.serial_number)
    ctx.load_verify_locations(cafile=str(crl))  # as the running server's watcher does
    error, _ = _handshake(ctx, client_ctx, session=first.session)

    assert error is not None and "certificate revoked" in error


def test_middleware_exposes_the_certificate_to_the_app(pki: Pki) -> None:
    pem = (pki.client("office2") / "t.cert.pem").read_text()
    seen: dict[str, Any] = {}
    sent: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(scope["state"])

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    with_cert = {"type": "http", "state": {}, "extensions": {"tls": {"client_cert_chain": [pem]}}}
    # A thread of its own: another test in this worker (Playwright's sync API) may own a running loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ClientCertMiddleware(app)(with_cert, receive, send)).result()
        pool.submit(
            asyncio.run, ClientCertMiddleware(app)({"type": "http", "state": {}}, receive, send)
        ).result()

    assert seen["cert_office_no"] == OFFICE_2
    assert seen["cert_terminal"] == "office2"
    assert re.fullmatch(r"[0-9A-F]+", seen["cert_serial"])
    assert sent[0]["status"] == 403 and b"PKI-CERT-REQUIRED" in sent[1]["body"]


# --- a real server process -----------------------------------------------------------------


@dataclass
class Server:
    port: int
    secrets: dict[str, str]


def _seed(database_url: str) -> dict[str, str]:
    engine = make_engine(Settings(database_url=database_url))
    migrate(engine)
    secrets = {}
    with unit_of_work(make_session_factory(engine)) as db:
        make_insurer(db)
        add_person(db, PERSON_A, "山田 太郎", "ヤマダ タロウ")
        for login_id, code in (("cm1", OFFICE_1), ("cm2", OFFICE_2)):
            org = make_org(db, "office", code, f"事業所 {code}", ("43",))
            account = accounts.create_account(
                db,
                organization_id=org.id,
                login_id=login_id,
                display_name=login_id,
                job_type="care_manager",
                password=PASSWORD,
            )
            secrets[login_id] = account.totp_secret
    engine.dispose()
    return secrets


@pytest.fixture(scope="module")
def server(pki: Pki) -> Iterator[Server]:
    database_url = f"sqlite:///{pki.base / 'server.db'}"
    secrets = _seed(database_url)
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(repo / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("tls_server.py")),
            database_url,
            str(pki.base),
            str(pki.ca.directory),
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    try:
        port, seen, deadline = None, [], time.monotonic() + WAIT
        while port is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"TLS server did not start within {WAIT:.0f}s: {''.join(seen)}")
            seen.append(line)
            if match := re.search(r"https://127\.0\.0\.1:(\d+)/", line):
                port = int(match.group(1))
        yield Server(port, secrets)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _healthz(port: int, ctx: ssl.SSLContext) -> int | None:
    """HTTP status of GET /healthz, or ``None`` when the server answered with no HTTP at all."""
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(4096):
                data += chunk
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return None
    if not data:
        return None
    return int(data.split(b" ", 2)[1])


def test_server_answers_a_valid_office_terminal(pki: Pki, server: Server) -> None:
    assert _healthz(server.port, _client_context(pki, "good")) == 200


@pytest.mark.parametrize(
    ("client", "max_tls12"),
    [(None, False), ("revoked", False), ("foreign", False), ("good", True)],
    ids=["no-certificate", "revoked", "other-ca", "tls1.2"],
)
def test_server_refuses_without_a_valid_certificate_over_tls13(
    pki: Pki, server: Server, client: str | None, max_tls12: bool
) -> None:
    assert _healthz(server.port, _client_context(pki, client, max_tls12=max_tls12)) is None


def test_revocation_reaches_the_running_server(pki: Pki, server: Server) -> None:
    issued = pki.issue("revoked-while-running")
    ctx = _client_context(pki, "revoked-while-running")
    assert _healthz(server.port, ctx) == 200

    service.revoke(pki.ca, issued.certificate.serial_number)

    deadline = time.monotonic() + 15
    status: int | None = 200
    while status is not None and time.monotonic() < deadline:
        time.sleep(0.2)
        status = _healthz(server.port, ctx)
    assert status is None
    assert _healthz(server.port, _client_context(pki, "good")) == 200


def _token(client: httpx.Client, server: Server, login_id: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/token",
        json={
            "login_id": login_id,
            "password": PASSWORD,
            "otp": pyotp.TOTP(server.secrets[login_id]).now(),
        },
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_staff_may_work_only_from_their_own_offices_terminal(pki: Pki, server: Server) -> None:
    body = {"insurer_no": INSURER_NO, "insured_no": PERSON_A}
    with httpx.Client(
        base_url=f"https://127.0.0.1:{server.port}",
        verify=_client_context(pki, "office2"),
        timeout=10,
    ) as terminal:
        stranger = terminal.post(
            "/api/v1/identity/challenges", json=body, headers=_token(terminal, server, "cm1")
        )
        own = terminal.post(
            "/api/v1/identity/challenges", json=body, headers=_token(terminal, server, "cm2")
        )

    assert stranger.status_code == 403
    assert stranger.json()["error"]["code"] == "PKI-OFFICE-MISMATCH"
    assert own.status_code == 201, own.text


def test_serve_with_tls_needs_the_platform_ca(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path)
    root = typer.Typer()

    @root.callback()
    def _options(ctx: typer.Context) -> None:
        ctx.obj = CliContext(settings)

    root.command("serve")(serve_command)
    result = CliRunner().invoke(root, ["serve", "--tls", "--port", "0"])

    assert result.exit_code == 2
    assert "PKI-CA-NOT-FOUND" in result.output
