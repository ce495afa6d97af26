"""``kaigo-kiban audit verify``: walk every hash chain and name the first bad event."""

from __future__ import annotations

import json

import typer

from kaigo_kiban.audit import service
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work

app = typer.Typer(help="監査ログ (閲覧記録) の検証", no_args_is_help=True)


@app.command("verify")
def verify(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """監査ログのハッシュチェーンを全件検証します。改ざん・削除・並べ替えがあれば最初のイベントを示します。"""
    with unit_of_work(cli_context(ctx).sessions()) as session:
        problems = service.verify_all(session)
        total = service.count_events(session)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": not problems,
                    "events": total,
                    "problems": [
                        {
                            "chain": p.chain,
                            "event_id": p.event_id,
                            "seq": p.seq,
                            "code": p.code,
                            "message": p.message,
                        }
                        for p in problems
                    ],
                },
                ensure_ascii=False,
            )
        )
    elif problems:
        for p in problems:
            typer.echo(
                f"チェーン {p.chain}: イベント id={p.event_id} 連番={p.seq} [{p.code}] {p.message}"
            )
    else:
        typer.echo(f"監査ログは正常です ({total:,} 件)")
    if problems:
        raise typer.Exit(1)
