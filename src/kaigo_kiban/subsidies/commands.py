"""`kaigo-kiban subsidies …`: the subsidies' command-line sub-app (thin). The CLI also mounts
it under its former name, ``kaigo-kiban portal …``, which the README still mentions."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError

from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.subsidies.rules import estimate_subsidy
from kaigo_kiban.subsidies.schemas import (
    SubsidyEstimateIn,
    SubsidyEstimateOut,
    describe_validation_error,
)

app = typer.Typer(no_args_is_help=True)

INPUT_ERROR_EXIT = 2


@app.callback()
def subsidies() -> None:
    """介護情報基盤ポータル: 補助金の試算など。"""


def _fail(message: str) -> typer.Exit:
    typer.echo(f"エラー: {message}", err=True)
    return typer.Exit(code=INPUT_ERROR_EXIT)


@app.command("subsidy-estimate")
def subsidy_estimate(
    input_file: Path = typer.Argument(..., metavar="INPUT.json", help="試算する申請内容（JSON）"),
    as_json: bool = typer.Option(False, "--json", help="結果をJSONで出力します"),
) -> None:
    """補助金額を試算します（金額は税込の円、1円未満切り捨て）。"""
    try:
        text = input_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"入力ファイル {input_file} を読めません: {exc}") from None
    try:
        request = SubsidyEstimateIn.model_validate_json(text)
    except ValidationError as exc:
        raise _fail(f"入力が不正です\n{describe_validation_error(exc)}") from None
    try:
        result = estimate_subsidy(
            request.applicant,
            [item.to_rule() for item in request.items],
            service_types=request.service_types,
            beds=request.beds,
        )
    except InvalidInput as exc:
        raise _fail(exc.message) from None

    out = SubsidyEstimateOut.from_result(result)
    if as_json:
        typer.echo(json.dumps(out.model_dump(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"補助対象経費: {out.eligible_cost_yen:,}円")
    typer.echo(f"補助上限額:   {out.cap_yen:,}円")
    typer.echo(f"補助金額:     {out.grant_yen:,}円")
    for reason in out.reasons:
        typer.echo(f"  - [{reason.code}] {reason.message}")
