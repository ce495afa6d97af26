"""``kaigo-kiban registry system-key``: API keys for a municipality's system.

The command sits under ``registry`` on the command line (the composition root adds it there);
the key is an accounts credential, so the command lives with accounts.
"""

from __future__ import annotations

import typer

from kaigo_kiban.accounts import service as accounts
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import KibanError

app = typer.Typer(help="APIキーの発行", no_args_is_help=True)


@app.command("system-key")
def system_key(
    ctx: typer.Context,
    insurer_no: str = typer.Argument(..., help="保険者番号 (6桁)"),
    label: str = typer.Option("介護保険事務システム", "--label"),
    days: int = typer.Option(365, "--days", help="有効日数"),
) -> None:
    """市町村システム用のAPIキーを発行します (表示は一度だけ。保存されるのはハッシュのみ)。"""
    try:
        with unit_of_work(cli_context(ctx).sessions()) as session:
            secret = accounts.issue_municipal_system_key(session, insurer_no, label, days)
    except KibanError as exc:
        typer.echo(f"エラー [{exc.code}] {exc.message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(secret)
