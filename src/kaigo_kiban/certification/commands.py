"""``kaigo-kiban certification …``: deliver webhooks, verify a signed opinion, sign a document."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from kaigo_kiban.certification import opinion_exchange as exchange
from kaigo_kiban.certification import signing, webhooks
from kaigo_kiban.certification.models import PhysicianOpinion
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work

app = typer.Typer(help="要介護認定: 通知の配信、主治医意見書の署名と検証", no_args_is_help=True)


@app.command("deliver-webhooks")
def deliver_webhooks(ctx: typer.Context) -> None:
    """新しい進捗の変化を通知先に振り分け、期限の来た通知を送信します (cron 等で定期実行)。"""
    context = cli_context(ctx)
    with unit_of_work(context.sessions()) as session:
        counts = webhooks.run(session, context.settings)
    typer.echo(json.dumps(counts, ensure_ascii=False))


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
