"""``kaigo-kiban certification …``: the certification command group and ``deliver-webhooks``.

The group's further commands (``verify-opinion``, ``sign-file``) are ``opinions.commands``;
``kaigo_kiban.app.cli`` mounts them into this group.
"""

from __future__ import annotations

import json

import typer

from kaigo_kiban.certification.cases import webhooks
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
