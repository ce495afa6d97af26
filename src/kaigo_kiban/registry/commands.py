"""``kaigo-kiban registry …``: register insurers and municipalities."""

from __future__ import annotations

import typer

from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.registry import service

app = typer.Typer(help="保険者・市町村・事業所の登録", no_args_is_help=True)


@app.command("add-insurer")
def add_insurer(
    ctx: typer.Context,
    insurer_no: str = typer.Argument(..., help="保険者番号 (6桁)"),
    name: str = typer.Argument(..., help="保険者名"),
    municipality: list[str] = typer.Option(
        [], "--municipality", help="構成市町村 '市町村コード:名称:都道府県名' (複数可)"
    ),
) -> None:
    """保険者を登録します (登録済みなら名称を更新します)。"""
    try:
        with unit_of_work(cli_context(ctx).sessions()) as session:
            service.upsert_insurer(session, insurer_no, name)
            for spec in municipality:
                code, m_name, pref = [*spec.split(":"), "", ""][:3]
                service.add_municipality(session, code, insurer_no, m_name, pref)
    except KibanError as exc:
        typer.echo(f"エラー [{exc.code}] {exc.message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"保険者 {insurer_no} {name} を登録しました")
