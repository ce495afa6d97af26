"""``kaigo-kiban certification verify-opinion | sign-file``: verify a signed opinion, sign a
document (mounted into the certification group of ``cases.commands`` by ``kaigo_kiban.app.cli``)."""

from __future__ import annotations

from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kaigo_kiban.certification.opinions import exchange, signing
from kaigo_kiban.certification.opinions.models import PhysicianOpinion
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work

app = typer.Typer()


@app.command("verify-opinion")
def verify_opinion(ctx: typer.Context, opinion_id: int) -> None:
    """保存されている主治医意見書の電子署名を、現在の内容で検証します (改ざんがあれば失敗)。"""
    context = cli_context(ctx)
    with unit_of_work(context.sessions()) as session:
        opinion = session.get(PhysicianOpinion, opinion_id)
        if opinion is None:
            typer.echo(f"意見書 {opinion_id} はありません", err=True)
            raise typer.Exit(2)
        check = exchange.verify(context.settings, opinion)
    typer.echo(f"{check.message}{f' [{check.code}]' if check.code else ''}")
    if not check.valid:
        raise typer.Exit(1)


@app.command("sign-file")
def sign_file(
    document: Path = typer.Argument(..., help="署名する正規化JSON (API の /canonical で取得)"),
    key: Path = typer.Option(..., "--key", help="医師の秘密鍵 (PEM)"),
) -> None:
    """正規化JSONのバイト列に署名し、Base64 の署名を出力します (医師の端末で実行)。"""
    private = load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        typer.echo("ECDSA (P-256) の秘密鍵が必要です", err=True)
        raise typer.Exit(2)
    typer.echo(signing.sign(private, document.read_bytes()))
