"""``kaigo-kiban person deliver-notices``: send pending notice e-mails (thin; run from cron)."""

from __future__ import annotations

import typer

from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.notices import service as notices

app = typer.Typer(help="ご本人向けポータル (お知らせの送信など)", no_args_is_help=True)


@app.command("deliver-notices")
def deliver_notices(
    ctx: typer.Context,
    limit: int = typer.Option(100, "--limit", help="1回に送る最大件数"),
) -> None:
    """未送信のお知らせメールを送ります (KK_SMTP_HOST 未設定・デモでは送らずに記録だけします)。"""
    cli = cli_context(ctx)
    notifier = notices.notifier_from_settings(cli.settings)
    with unit_of_work(cli.sessions()) as session:
        counts = notices.deliver_pending(session, notifier, limit=limit)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
