"""``kaigo-kiban life ingest FILE --office NNNNNNNNNN``: take in LIFE CSV files (thin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.errors import KibanError
from kaigo_kiban.life import service

app = typer.Typer(help="LIFE (科学的介護情報システム) の CSV ファイルの取込", no_args_is_help=True)


def _rejected(path: Path, exc: KibanError) -> dict[str, Any]:
    return {
        "file": path.name,
        "status": "rejected",
        "code": exc.code,
        "message": exc.message,
        "errors": exc.details if isinstance(exc.details, list) else [],
    }


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="LIFE CSV ファイル"),
    office: str = typer.Option(..., "--office", help="送信する事業所の事業所番号 (10桁)"),
    as_json: bool = typer.Option(False, "--json", help="結果をJSONで出力する"),
) -> None:
    """LIFE CSV (SERVICE_USER_INFO / FORM_0000_2021) を検証して取り込みます。1ファイル1トランザクションです。"""
    cli = cli_context(ctx)
    results: list[dict[str, Any]] = []
    for path in files:
        try:
            with unit_of_work(cli.sessions()) as session:
                actor = service.office_system_actor(session, office)
                try:
                    report = service.ingest_life_file(
                        session, cli.settings, actor, path.read_bytes(), path.name
                    )
                    results.append(report.to_dict())
                except service.LifeAccessDenied as denied:
                    results.append(_rejected(path, denied))  # commit the audited denials only
        except KibanError as exc:
            results.append(_rejected(path, exc))
    if as_json:
        typer.echo(json.dumps({"files": results}, ensure_ascii=False, indent=2))
    else:
        for r in results:
            typer.echo(f"{r['file']}: {r['status']} ({r.get('rows', 0)} 行) {r.get('message', '')}")
            for e in r.get("errors", []):
                typer.echo(f"  {e['line']}行 {e['column']}列 [{e['code']}] {e['message']}")
    if any(r["status"] == "rejected" for r in results):
        raise typer.Exit(1)
