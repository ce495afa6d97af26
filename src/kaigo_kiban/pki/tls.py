"""Serving over TLS 1.3 with mandatory client certificates from the platform CA (docs/domain.md §1.3).

* :func:`server_context` — TLS 1.3 only, ``CERT_REQUIRED`` against the platform CA, the
  CA's CRL checked for the client certificate in the handshake (``VERIFY_CRL_CHECK_LEAF``), and
  no session resumption (every connection checks the certificate again).
* :class:`TlsH11Protocol` — uvicorn's h11 protocol that adds the ASGI TLS extension
  (``scope["extensions"]["tls"]``, with ``client_cert_chain``) to every request of a connection;
  uvicorn itself does not provide it.
* :class:`ClientCertMiddleware` — reads that extension and sets ``request.state.cert_serial``,
  ``cert_office_no`` and ``cert_terminal``; ``accounts.actors`` then applies
  :func:`kaigo_kiban.pki.rules.check_office_match`.
* :class:`TlsServer` — re-reads the CRL file while running, so a revocation takes effect
  without a restart (OpenSSL prefers the CRL with the latest ``thisUpdate``).
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.x509.oid import NameOID
from uvicorn.protocols.http.h11_impl import H11Protocol

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import NotFound
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.pki import rules, service

TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
SERVER_DIR = "server"
CRL_CHECK_TICKS = 10  # uvicorn ticks every 0.1 s: look at the CRL file once a second


@dataclass(frozen=True)
class ClientCert:
    """What the application learns about the terminal from its certificate."""

    serial: str
    kind: str | None  # the subject's OU: "office" for office terminals
    office_no: str | None
    terminal: str | None
    subject: str


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


@lru_cache(maxsize=1024)
def client_cert_info(pem: str) -> ClientCert:
    """Parse a client certificate (PEM) once per distinct certificate."""
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    kind = _first(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    return ClientCert(
        serial=rules.format_serial(cert.serial_number),
        kind=kind,
        office_no=_first(cert.subject, NameOID.SERIAL_NUMBER) if kind == rules.OU_OFFICE else None,
        terminal=_first(cert.subject, NameOID.COMMON_NAME),
        subject=cert.subject.rfc4514_string(),
    )


def server_context(ca_cert: Path, server_cert: Path, server_key: Path, crl: Path) -> ssl.SSLContext:
    """The server's TLS context: TLS 1.3 only, client certificate required and CRL-checked."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_cert_chain(str(server_cert), str(server_key))
    ctx.load_verify_locations(cafile=str(ca_cert))
    ctx.load_verify_locations(cafile=str(crl))  # PEM CRLs load into the same X509 store
    ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF | ssl.VERIFY_X509_STRICT
    # No session tickets: a resumed TLS 1.3 session skips the certificate and CRL checks, so a
    # terminal revoked after its first connection could keep resuming for hours.
    ctx.num_tickets = 0
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class CrlWatcher:
    """Loads the CRL file into a running context whenever the file changes."""

    def __init__(self, context: ssl.SSLContext, crl: Path) -> None:
        self.context = context
        self.crl = crl
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.crl.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def refresh(self) -> bool:
        """Load the CRL if it changed since last time; ``True`` when loaded."""
        stamp = self._current_stamp()
        if stamp is None or stamp == self._stamp:
            return False
        try:
            self.context.load_verify_locations(cafile=str(self.crl))
        except ssl.SSLError:
            return False  # half-written or damaged: keep the previous CRL, try again later
        self._stamp = stamp
        return True


def tls_extension(ssl_object: ssl.SSLObject) -> dict[str, Any]:
    """The ASGI TLS extension for one connection (https://asgi.readthedocs.io, "TLS")."""
    der = ssl_object.getpeercert(binary_form=True)
    chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": client_cert_info(chain[0]).subject if chain else None,
        "client_cert_error": None,
        "tls_version": TLS_VERSIONS.get(ssl_object.version() or ""),
        "cipher_suite": None,
    }


class _WithTlsExtension:
    def __init__(self, app: Any, tls: dict[str, Any]) -> None:
        self.app = app
        self.tls = tls

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        extensions = scope.get("extensions")
        scope["extensions"] = {**(extensions or {}), "tls": self.tls}
        await self.app(scope, receive, send)


class TlsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, adding the TLS extension to the scope of each request."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:  # asyncio calls this after the handshake has completed
            self.app = _WithTlsExtension(self.app, tls_extension(ssl_object))


class ClientCertMiddleware:
    """Sets ``request.state.cert_serial`` / ``cert_office_no`` / ``cert_terminal`` from the TLS
    extension. With ``require=True`` a request without a client certificate gets 403."""

    def __init__(self, app: Any, *, require: bool = True) -> None:
        self.app = app
        self.require = require

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            tls = (scope.get("extensions") or {}).get("tls") or {}
            chain = tls.get("client_cert_chain") or []
            if chain:
                info = client_cert_info(chain[0])
                state = scope.setdefault("state", {})
                state["cert_serial"] = info.serial
                state["cert_kind"] = info.kind
                state["cert_office_no"] = info.office_no
                state["cert_terminal"] = info.terminal
            elif self.require:
                await _forbidden(send, scope["type"])
                return
        await self.app(scope, receive, send)


async def _forbidden(send: Any, kind: str) -> None:
    if kind == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(
        {
            "error": {
                "code": "PKI-CERT-REQUIRED",
                "message": "クライアント証明書が必要です",
                "details": None,
            }
        },
        ensure_ascii=False,
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class TlsConfig(uvicorn.Config):
    """A uvicorn ``Config`` that serves with a prepared ``SSLContext`` and :class:`TlsH11Protocol`."""

    def __init__(self, app: Any, *, ssl_context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(app, http=TlsH11Protocol, **kwargs)
        self._prepared_ssl = ssl_context

    def load(self) -> None:
        super().load()
        self.ssl = self._prepared_ssl


class TlsServer(uvicorn.Server):
    """A uvicorn server that also reloads the CRL once a second when it changed."""

    def __init__(self, config: uvicorn.Config, watcher: CrlWatcher) -> None:
        super().__init__(config)
        self.watcher = watcher

    async def on_tick(self, counter: int) -> bool:
        if counter % CRL_CHECK_TICKS == 0:
            self.watcher.refresh()
        return await super().on_tick(counter)


def default_server_names(host: str) -> list[str]:
    names = [host] if host not in ("0.0.0.0", "::", "") else [socket.gethostname()]
    for extra in ("localhost", "127.0.0.1"):
        if extra not in names:
            names.append(extra)
    return names


def ensure_server_certificate(ca_dir: Path, names: list[str]) -> tuple[Path, Path]:
    """The server certificate and key under ``<ca_dir>/server/``, issued by the platform CA
    when missing, expired, or not covering ``names``."""
    directory = ca_dir / SERVER_DIR
    cert_path, key_path = directory / "server.cert.pem", directory / "server.key.pem"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            covered = {str(v) for v in san.get_values_for_type(x509.DNSName)}
            covered |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
        except x509.ExtensionNotFound:
            covered = set()
        fresh = cert.not_valid_after_utc > utcnow()
        if fresh and set(names) <= covered:
            return cert_path, key_path
    ca = service.load_ca(ca_dir)
    issued = service.issue_server_certificate(ca, names)
    paths = service.write_bundle(issued, ca.certificate, directory, "server")
    return paths["cert"], paths["key"]


def serve_tls(
    app: Any,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8443,
    ca_dir: Path | None = None,
    *,
    server_names: list[str] | None = None,
    server_cert: Path | None = None,
    server_key: Path | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` on ``host:port`` over TLS 1.3 with client certificates of the platform CA.

    The listening socket is bound before the announcement (``port=0`` picks a free port, and
    the announced URL carries the real one), so a client may connect as soon as it is printed.
    Runs until SIGINT/SIGTERM.
    """
    ca_dir = Path(ca_dir) if ca_dir else service.default_ca_dir(settings)
    ca_cert = ca_dir / service.CA_CERT
    crl = ca_dir / service.CRL_PEM
    if not ca_cert.exists() or not crl.exists():
        raise NotFound(
            f"認証局の証明書または CRL がありません: {ca_dir} (kaigo-kiban pki init-ca で作成してください)",
            code="PKI-CA-NOT-FOUND",
        )
    if server_cert is None or server_key is None:
        server_cert, server_key = ensure_server_certificate(
            ca_dir, server_names or default_server_names(host)
        )
    context = server_context(ca_cert, server_cert, server_key, crl)
    sock = socket.create_server(
        (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET
    )
    actual_port = sock.getsockname()[1]
    config = TlsConfig(
        ClientCertMiddleware(app),
        ssl_context=context,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = TlsServer(config, CrlWatcher(context, crl))
    (announce or _announce)(
        f"kaigo-kiban: https://{host}:{actual_port}/ で待ち受けています "
        "(TLS 1.3・クライアント証明書必須・CRL 確認あり)"
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _announce(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
