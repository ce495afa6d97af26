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

from kaigo_kiban.api import errorcodes
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.http.rules import compare_openapi

app = typer.Typer(help="API の仕様書 (OpenAPI) とエラーコード一覧", no_args_is_help=True)


def current_openapi() -> dict[str, Any]:
    """The OpenAPI document the application serves (no database is touched)."""
    from kaigo_kiban.web.app import create_app  # the app is built only for this command

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
