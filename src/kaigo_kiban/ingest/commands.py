"""``kaigo-kiban ingest FILE...``: one transaction per file, in dependency order whatever order
the files are given in (``ingest.kinds.batch_order``), a progress bar, a JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.ingest.kinds import batch_order
from kaigo_kiban.ingest.service import FileReport, IngestRejected, ingest_file

STATUS_LABELS = {
    "committed": "取込完了",
    "duplicate": "取込済み (変更なし)",
    "rejected": "取込不可",
}


def ingest(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, help="市町村から受け取ったファイル"
    ),
    as_json: bool = typer.Option(False, "--json", help="結果をJSONで出力する"),
) -> None:
    """市町村ファイルを検証して取り込みます。1ファイル1トランザクションで、誤りがあれば何も変更しません。"""
    context = cli_context(ctx)
    factory = context.sessions()
    settings = context.settings
    reports: list[FileReport] = []
    console = Console(stderr=True)
    files = [files[i] for i in batch_order([f.name for f in files], list(context.ingest_kinds))]
    total = sum(f.stat().st_size for f in files)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=as_json,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("取込中", total=total)
        done = 0
        for path in files:
            progress.update(task, description=path.name)
            base = done

            def advance(position: int, base: int = base) -> None:
                progress.update(task, completed=base + position)

            try:
                with unit_of_work(factory) as session:
                    report = ingest_file(
                        session,
                        path,
                        settings,
                        kinds=context.ingest_kinds,
                        submitted_by="cli",
                        progress=advance,
                    )
            except IngestRejected as rejected:
                report = rejected.report  # its rejection report was kept by the unit of work
            reports.append(report)
            done += path.stat().st_size
            progress.update(task, completed=done)
    order = [path.name for path in files]
    if as_json:
        body = {"order": order, "files": [r.to_dict() for r in reports]}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        if len(order) > 1:
            typer.echo(f"取込順 (被保険者証を先に、同じ種別は作成日時順): {', '.join(order)}")
        for r in reports:
            typer.echo(
                f"{r.file}: {STATUS_LABELS[r.status]} ({r.rows} 行, エラー {r.error_total} 件)"
            )
            for e in r.errors[:50]:
                typer.echo(f"  {e.line}行 {e.column}列 [{e.code}] {e.message} 値={e.value!r}")
            if r.error_total > 50:
                typer.echo(f"  … ほか {r.error_total - 50} 件 (--json で全件)")
    if any(r.status == "rejected" for r in reports):
        raise typer.Exit(1)
