"""``kaigo-kiban pki …``: run the platform certificate authority (thin)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import typer

from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.clock import to_jst, utcnow
from kaigo_kiban.core.errors import KibanError, NotFound
from kaigo_kiban.pki import ledger, rules, service

app = typer.Typer(
    help="基盤認証局: クライアント証明書・医師の署名用証明書の発行と失効", no_args_is_help=True
)

STATUS = {"valid": "有効", "expiring": "更新時期", "expired": "期限切れ", "revoked": "失効"}

CaDirOption = typer.Option(None, "--ca-dir", help="認証局のディレクトリ (既定: <data_dir>/pki)")
PassphraseOption = typer.Option(
    None, "--passphrase-file", help="認証局の秘密鍵のパスフレーズを書いたファイル"
)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Report a domain error as ``エラー [CODE] message`` on stderr and exit with status 2."""
    try:
        yield
    except KibanError as exc:
        typer.echo(f"エラー [{exc.code}] {exc.message}", err=True)
        raise typer.Exit(2) from exc


def _ca_dir(ctx: typer.Context, ca_dir: Path | None) -> Path:
    return ca_dir or service.default_ca_dir(cli_context(ctx).settings)


def _passphrase(path: Path | None) -> bytes | None:
    return path.read_bytes().strip() if path else None


def _load(
    ctx: typer.Context, ca_dir: Path | None, passphrase_file: Path | None
) -> service.CertificateAuthority:
    return service.load_ca(_ca_dir(ctx, ca_dir), _passphrase(passphrase_file))


def _jst(iso: str) -> str:
    return f"{to_jst(dt.datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"


@app.command("init-ca")
def init_ca(
    ctx: typer.Context,
    ca_dir: Path | None = CaDirOption,
    name: str = typer.Option("kaigo-kiban platform CA", "--name", help="認証局の名称 (CN)"),
    passphrase_file: Path | None = PassphraseOption,
) -> None:
    """基盤認証局 (鍵と自己署名証明書、台帳、最初の CRL) を作成します。"""
    with reported_errors():
        ca = service.init_ca(
            _ca_dir(ctx, ca_dir), common_name=name, passphrase=_passphrase(passphrase_file)
        )
    typer.echo(f"認証局を作成しました: {ca.directory}")
    typer.echo(f"  証明書: {ca.directory / service.CA_CERT} (サーバとクライアントに配布します)")
    typer.echo(f"  秘密鍵: {ca.directory / service.CA_KEY} (持ち出し禁止・バックアップ必須)")
    typer.echo(f"  SHA-256: {service.fingerprint(ca.certificate)}")


def _write_issued(
    ca: service.CertificateAuthority, issued: service.IssuedCertificate, out: Path, stem: str
) -> None:
    password = secrets.token_urlsafe(12)
    paths = service.write_bundle(issued, ca.certificate, out, stem, p12_password=password.encode())
    entry = issued.entry
    typer.echo(f"発行しました: シリアル番号 {entry.serial}")
    typer.echo(f"  主体者: {entry.subject}")
    typer.echo(f"  有効期間: {_jst(entry.not_before)} 〜 {_jst(entry.not_after)} (JST)")
    for label, path in paths.items():
        typer.echo(f"  {label}: {path}")
    typer.echo(f"  PKCS#12 のパスワード (一度だけ表示します): {password}")


def _safe_stem(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() or c in "-_" else "_" for c in p) for p in parts)


@app.command("issue-client")
def issue_client(
    ctx: typer.Context,
    office: str = typer.Option(..., "--office", help="事業所番号 (10桁)"),
    name: str = typer.Option(..., "--name", help="端末名 (例: 受付端末1)"),
    out: Path = typer.Option(..., "--out", help="鍵・証明書・PKCS#12 を書き出すディレクトリ"),
    years: int = typer.Option(1, "--years", help="有効期間 (1 または 3 年)"),
    ca_dir: Path | None = CaDirOption,
    passphrase_file: Path | None = PassphraseOption,
) -> None:
    """事業所の端末用クライアント証明書を発行します。"""
    with reported_errors():
        ca = _load(ctx, ca_dir, passphrase_file)
        issued = service.issue_client_certificate(ca, office, name, years=years)
        _write_issued(ca, issued, out, _safe_stem(office, name))


@app.command("issue-doctor")
def issue_doctor(
    ctx: typer.Context,
    institution: str = typer.Option(..., "--institution", help="医療機関コード (10桁)"),
    name: str = typer.Option(..., "--name", help="医師の氏名"),
    out: Path = typer.Option(..., "--out", help="鍵・証明書・PKCS#12 を書き出すディレクトリ"),
    email: str | None = typer.Option(None, "--email", help="電子メールアドレス (任意)"),
    years: int = typer.Option(3, "--years", help="有効期間 (1 または 3 年)"),
    ca_dir: Path | None = CaDirOption,
    passphrase_file: Path | None = PassphraseOption,
) -> None:
    """医師の署名用証明書 (主治医意見書の電子署名用) を発行します。"""
    with reported_errors():
        ca = _load(ctx, ca_dir, passphrase_file)
        issued = service.issue_doctor_certificate(ca, institution, name, years=years, email=email)
        _write_issued(ca, issued, out, _safe_stem(institution, "doctor", issued.entry.serial[:8]))


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    serial: str = typer.Argument(..., help="失効させる証明書のシリアル番号 (16進数)"),
    reason: str = typer.Option(
        "unspecified", "--reason", help="失効理由: " + " / ".join(rules.REVOCATION_REASONS)
    ),
    ca_dir: Path | None = CaDirOption,
    passphrase_file: Path | None = PassphraseOption,
) -> None:
    """証明書を失効させ、新しい CRL を公開します (稼働中のサーバは1秒以内に読み込みます)。"""
    with reported_errors():
        ca = _load(ctx, ca_dir, passphrase_file)
        entry = service.revoke(ca, rules.parse_serial(serial), reason=reason)
    typer.echo(f"失効させました: {entry.serial} ({entry.subject})")
    typer.echo(f"  CRL: {ca.directory / service.CRL_PEM}")


@app.command("crl")
def crl(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="書き出すファイル (.der なら DER、それ以外は PEM)"),
    days: int = typer.Option(rules.CRL_VALIDITY_DAYS, "--days", help="次回更新までの日数"),
    ca_dir: Path | None = CaDirOption,
    passphrase_file: Path | None = PassphraseOption,
) -> None:
    """新しい CRL に署名して公開し、指定したファイルにも書き出します。"""
    with reported_errors():
        ca = _load(ctx, ca_dir, passphrase_file)
        published = service.publish_crl(ca, days=days)
        service.write_crl(published, out)
    count = len(list(published))
    typer.echo(
        f"CRL を書き出しました: {out} (失効 {count} 件、次回更新 {to_jst(published.next_update_utc):%Y-%m-%d %H:%M} JST)"
    )  # type: ignore[arg-type]


@app.command("list")
def list_certificates(
    ctx: typer.Context,
    ca_dir: Path | None = CaDirOption,
    as_json: bool = typer.Option(False, "--json", help="JSON で出力します"),
) -> None:
    """発行した証明書の一覧 (状態: 有効・更新時期・期限切れ・失効)。"""
    with reported_errors():
        directory = _ca_dir(ctx, ca_dir)
        if not (directory / ledger.INDEX).exists():
            raise NotFound(f"認証局が見つかりません: {directory}", code="PKI-CA-NOT-FOUND")
        entries = ledger.list_certificates(directory)
    now = utcnow()
    if as_json:
        rows = [{**asdict(e), "status": e.status(now)} for e in entries]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for e in entries:
        typer.echo(
            f"{e.serial}  {STATUS[e.status(now)]:<4}  {rules.KINDS.get(e.kind, e.kind)}  "
            f"{e.org_code or '-'}  {e.name}  〜{_jst(e.not_after)}"
        )
