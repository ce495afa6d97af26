"""``kaigo-kiban``: the command line. Thin: each command lives in its area's ``commands.py``."""

from __future__ import annotations

import typer

from kaigo_kiban.core.cli_context import CliContext
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.ingest.commands import ingest
from kaigo_kiban.registry.commands import app as registry_app

app = typer.Typer(
    name="kaigo-kiban",
    help="介護情報基盤 (kaigo-kiban) — 市町村ファイルの取込、デモ、サーバ、各種管理コマンド",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="データベースURL (既定: KK_DATABASE_URL または ./var/kaigo-kiban.db)"
    ),
) -> None:
    settings = Settings(database_url=db) if db else Settings()
    ctx.obj = CliContext(settings)


app.command("ingest")(ingest)
app.add_typer(registry_app, name="registry")


def main() -> None:
    app()
