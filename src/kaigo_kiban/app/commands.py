"""``kaigo-kiban api``: the published OpenAPI document and the error-code catalogue.

kaigo-kiban api openapi --out docs/openapi-v1.json      # refresh the v1 snapshot
kaigo-kiban api openapi --check docs/openapi-v1.json    # exit 1 on a breaking change
kaigo-kiban api error-codes --write docs/api.md         # refresh the code table
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import typer
import uvicorn

from kaigo_kiban.app import errorcodes
from kaigo_kiban.app.factory import create_app
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.http.rules import compare_openapi
from kaigo_kiban.pki import tls as tls_server
from kaigo_kiban.pki.commands import reported_errors

app = typer.Typer(help="API の仕様書 (OpenAPI) とエラーコード一覧", no_args_is_help=True)


def current_openapi() -> dict[str, Any]:
    """The OpenAPI document the application serves (no database is touched)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url="sqlite://", data_dir=Path(tmp), secret_key="openapi")
        return create_app(settings, migrate_db=False).openapi()


def dump(spec: dict[str, Any]) -> str:
    """Stable text form of a document (sorted keys), so snapshots diff cleanly."""
    return json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@app.command("openapi")
def openapi(
    out: Path | None = typer.Option(None, "--out", help="書き出すファイル (省略時は標準出力)"),
    check: Path | None = typer.Option(
        None, "--check", help="公開済みの仕様 (JSON) と比べ、互換性のない変更があれば終了コード 1"
    ),
) -> None:
    """現在の OpenAPI 仕様を書き出します。--check で公開済みの仕様との互換性を確認します。"""
    spec = current_openapi()
    if check is not None:
        result = compare_openapi(json.loads(check.read_text("utf-8")), spec)
        for line in result.breaking:
            typer.echo(f"互換性なし: {line}", err=True)
        for line in result.additions:
            typer.echo(f"追加: {line}")
        if result.breaking:
            raise typer.Exit(1)
        if out is None:
            return
    if out is None:
        typer.echo(dump(spec), nl=False)
    else:
        out.write_text(dump(spec), encoding="utf-8")
        typer.echo(f"{out} に書き出しました ({len(spec['paths'])} パス)")


@app.command("error-codes")
def error_codes(
    write: Path | None = typer.Option(
        None, "--write", help="このファイル (docs/api.md) の一覧を書き換えます"
    ),
) -> None:
    """ソースコードにある全てのエラーコードの一覧 (Markdown の表) を出力します。"""
    table = errorcodes.markdown_table(errorcodes.scan())
    if write is None:
        typer.echo(table, nl=False)
        return
    write.write_text(errorcodes.replace_table(write.read_text("utf-8"), table), encoding="utf-8")
    typer.echo(f"{write} のエラーコード一覧を更新しました")


def serve(
    ctx: typer.Context,
    port: int = typer.Option(8000, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    tls: bool = typer.Option(
        False, "--tls", help="TLS 1.3 とクライアント証明書 (基盤認証局) を必須にして起動します"
    ),
    ca_dir: Path | None = typer.Option(
        None, "--ca-dir", help="基盤認証局のディレクトリ (既定: <data_dir>/pki)"
    ),
    server_name: list[str] = typer.Option(
        [], "--server-name", help="サーバ証明書に入れるホスト名・IPアドレス (複数可)"
    ),
    server_cert: Path | None = typer.Option(None, "--server-cert", help="既存のサーバ証明書 (PEM)"),
    server_key: Path | None = typer.Option(None, "--server-key", help="既存のサーバ秘密鍵 (PEM)"),
) -> None:
    """Webサーバを起動します (--tls で TLS 1.3 + クライアント証明書)。"""
    settings = cli_context(ctx).settings
    app = create_app(settings)
    if not tls:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    with reported_errors():
        tls_server.serve_tls(
            app,
            settings,
            host,
            port,
            ca_dir,
            server_names=server_name or None,
            server_cert=server_cert,
            server_key=server_key,
        )
