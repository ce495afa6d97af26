"""``kaigo-kiban careplan …``: inspect, validate, convert and build care-plan files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from kaigo_kiban.careplan.codec.formats import read_careplan
from kaigo_kiban.careplan.codec.jsonform import from_json, to_json
from kaigo_kiban.careplan.codec.master import default_service_codes, load_service_codes
from kaigo_kiban.careplan.codec.rules import ServiceCodeMaster, unit_price
from kaigo_kiban.careplan.codec.validation import check_careplan
from kaigo_kiban.careplan.service import careplan_from_draft, inspection, limit_checks
from kaigo_kiban.codes.service_types import SERVICE_TYPE_NAMES
from kaigo_kiban.core.errors import FieldError, KibanError

app = typer.Typer(
    help="ケアプランデータ連携（標準仕様 v4.1）のCSVファイルを扱います。",
    no_args_is_help=True,
)

JST = ZoneInfo("Asia/Tokyo")
MasterOption = Annotated[
    Path | None,
    typer.Option("--service-codes", help="サービスコード表CSV（既定: 同梱のR6在宅系）"),
]


def _master(path: Path | None) -> ServiceCodeMaster:
    return load_service_codes(path) if path else default_service_codes()


def _line(error: FieldError, path: str) -> str:
    where = f"{error.file or path}:{error.line}:{error.column}"
    level = "警告 " if error.extra.get("severity") == "warning" else ""
    value = f"（値: {error.value}）" if error.value not in (None, "") else ""
    return f"{where}: {level}{error.code} {error.message}{value}"


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _fail(error: KibanError) -> typer.Exit:
    typer.echo(f"{error.code} {error.message}", err=True)
    for detail in getattr(error, "errors", []):
        typer.echo(_line(detail, "-"), err=True)
    return typer.Exit(1)


@app.command("inspect")
def inspect_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSVファイル")],
    as_json: Annotated[bool, typer.Option("--json", help="JSONで出力")] = False,
    care_level: Annotated[
        str | None, typer.Option(help="限度額を確認する要介護状態区分（例 21）")
    ] = None,
    area_grade: Annotated[
        str, typer.Option(help="超過額の単価に使う級地（1〜7, other）")
    ] = "other",
    service_type: Annotated[str, typer.Option(help="超過額の単価に使うサービス種類")] = "11",
    service_codes: MasterOption = None,
) -> None:
    """ファイルの概要（種別・送受信者・行数・利用者ごとの単位数・エラー）を表示します。"""
    parsed, totals = check_careplan(file.read_bytes(), file.name, _master(service_codes))
    checks = None
    if care_level is not None:
        try:
            price = unit_price(service_type, area_grade)
            checks = limit_checks(totals, care_level, price)
        except KibanError as error:
            raise _fail(error) from None
    summary = inspection(parsed, totals, checks)
    if as_json:
        typer.echo(_dump(summary))
        return
    typer.echo(f"ファイル: {file.name}")
    typer.echo(
        f"種別: {summary['record_type'] or '不明'}  CSVバージョン: {summary['standard_version']}"
    )
    for side, label in (("sender", "送信元"), ("receiver", "送信先")):
        party = summary[side]
        if party:
            kind = SERVICE_TYPE_NAMES.get(party["service_type"] or "", party["service_type"] or "")
            typer.echo(f"{label}: {party['office_no']} {kind}".rstrip())
    if summary["target_month"]:
        typer.echo(f"対象年月: {summary['target_month']}")
    if summary["created_at"]:
        typer.echo(f"作成日時: {summary['created_at']}")
    typer.echo(f"レコード数: {summary['rows']}")
    for person in summary["persons"]:
        text = (
            f"  被保険者 {person['insured_no']} {person['month']}: {person['total_units']}単位"
            f"（限度額対象 {person['limit_units']}）"
        )
        limit = person.get("limit")
        if limit and limit["excess_units"]:
            text += f" 限度額超過 {limit['excess_units']}単位 {limit['excess_yen']}円"
        typer.echo(text)
    for error in parsed.errors + parsed.warnings:
        typer.echo(_line(error, file.name))
    typer.echo(f"エラー {len(parsed.errors)}件、警告 {len(parsed.warnings)}件")


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="CSVファイル")],
    service_codes: MasterOption = None,
) -> None:
    """ファイルを検証し、エラーを「ファイル:行:列: コード メッセージ（値）」で表示します。"""
    master = _master(service_codes)
    error_count = warning_count = 0
    for path in files:
        parsed, _ = check_careplan(path.read_bytes(), path.name, master)
        for error in parsed.errors + parsed.warnings:
            typer.echo(_line(error, path.name))
        error_count += len(parsed.errors)
        warning_count += len(parsed.warnings)
    typer.echo(f"{len(files)}ファイル: エラー {error_count}件、警告 {warning_count}件")
    if error_count:
        raise typer.Exit(1)


@app.command("to-json")
def to_json_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSVファイル")],
    out: Annotated[Path | None, typer.Option(help="出力先（省略時は標準出力）")] = None,
) -> None:
    """CSVをJSON形式に変換します（JSONからCSVに戻すと同じバイト列になります）。"""
    parsed = read_careplan(file.read_bytes(), file.name)
    try:
        doc = to_json(parsed)
    except KibanError as error:
        raise _fail(error) from None
    text = _dump(doc) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@app.command("from-json")
def from_json_command(
    json_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONファイル")],
    out: Annotated[Path, typer.Option(help="出力先ディレクトリ（またはファイル名）")] = Path(),
) -> None:
    """JSON形式をそのままCSVに戻します。検証の結果は標準エラーに表示します。"""
    try:
        doc = json.loads(json_file.read_text(encoding="utf-8"))
        name, data = from_json(doc)
    except (ValueError, KibanError) as error:
        if isinstance(error, KibanError):
            raise _fail(error) from None
        typer.echo(f"JSONを読めません: {error}", err=True)
        raise typer.Exit(1) from None
    target = _target(out, str(name) if name else None)
    target.write_bytes(data)
    parsed = read_careplan(data, target.name, record_type=doc.get("record_type"))
    for error in parsed.errors + parsed.warnings:
        typer.echo(_line(error, target.name), err=True)
    typer.echo(str(target))


@app.command("new")
def new_command(
    json_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONファイル")],
    out: Annotated[Path, typer.Option(file_okay=False, help="出力先ディレクトリ")],
    service_codes: MasterOption = None,
) -> None:
    """JSON形式（省略可の項目あり）から正しいファイルを作り、規約どおりの名前で保存します。"""
    try:
        doc = json.loads(json_file.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("file"), dict):
            typer.echo("JSONにはfile（送信元・送信先）が必要です", err=True)
            raise typer.Exit(1)
        built = careplan_from_draft(doc, datetime.now(JST))
    except ValueError as error:
        typer.echo(f"JSONを読めません: {error}", err=True)
        raise typer.Exit(1) from None
    except KibanError as error:
        raise _fail(error) from None
    data = built.to_bytes()
    parsed, _ = check_careplan(data, built.file_name, _master(service_codes))
    for error in parsed.errors + parsed.warnings:
        typer.echo(_line(error, built.file_name or "-"), err=True)
    if parsed.errors or built.file_name is None:
        typer.echo(f"エラー {len(parsed.errors)}件のため作成しません", err=True)
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    target = out / built.file_name
    target.write_bytes(data)
    typer.echo(str(target))


def _target(out: Path, name: str | None) -> Path:
    if out.is_dir():
        if name is None:
            typer.echo("JSONにfileがないため、--out にファイル名を指定してください", err=True)
            raise typer.Exit(1)
        return out / name
    return out
