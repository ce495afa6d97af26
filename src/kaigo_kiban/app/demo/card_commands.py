"""``kaigo-kiban card …``: the demo My Number card — issue one, and play its reader (thin)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.identity import service
from kaigo_kiban.pki import rules as pki_rules
from kaigo_kiban.pki.commands import reported_errors

app = typer.Typer(
    help="デモ用マイナンバーカード (利用者証明用電子証明書の模擬) の発行と署名",
    no_args_is_help=True,
)

CardOption = typer.Option(..., "--card", help="kaigo-kiban card issue で作ったカードファイル")


def _read_card(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        typer.echo(f"エラー: カードファイル {path} を読めません: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc


@app.command("issue")
def issue(
    ctx: typer.Context,
    insurer: str = typer.Option(..., "--insurer", help="保険者番号 (6桁)"),
    insured: str = typer.Option(..., "--insured", help="被保険者番号 (10桁)"),
    out: Path = typer.Option(..., "--out", help="書き出すカードファイル (PEM: 秘密鍵と証明書)"),
) -> None:
    """デモ用カード認証局でカードを発行し、被保険者と結び付けます (証明書に個人情報は入りません)。"""
    cli = cli_context(ctx)
    with reported_errors(), unit_of_work(cli.sessions()) as session:
        issued = demo_cards.issue_demo_card(session, cli.settings, insurer, insured)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(service.card_file_bytes(issued))
    typer.echo(f"カードを発行しました: {out} (シリアル番号 {issued.entry.serial})")
    typer.echo(f"  発行元: {demo_cards.card_ca_dir(cli.settings)}")
    typer.echo(
        f"  このデモ認証局の証明書と失効リストを {service.card_trust_dir(cli.settings)} に置きました"
        " (このディレクトリにある認証局だけが信頼されます)。"
    )


@app.command("sign")
def sign(
    card: Path = CardOption,
    challenge: str = typer.Option(..., "--challenge", help="画面に表示された確認用の文字列"),
) -> None:
    """カードリーダーの代わり: 確認用の文字列にカードの鍵で署名し、base64 で出力します。"""
    with reported_errors():
        key, _cert = service.load_card_file(_read_card(card))
        typer.echo(service.sign_challenge(key, challenge))


@app.command("cert")
def cert(card: Path = CardOption) -> None:
    """カードの利用者証明用電子証明書 (PEM) を出力します (秘密鍵は出力しません)。"""
    with reported_errors():
        _key, pem = service.load_card_file(_read_card(card))
    typer.echo(pem, nl=False)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    serial: str = typer.Argument(..., help="失効させるカード証明書のシリアル番号 (16進数)"),
) -> None:
    """デモ用カードの証明書を失効させます (カード認証局の CRL を更新します)。"""
    with reported_errors():
        entry = demo_cards.revoke_demo_card(
            cli_context(ctx).settings, pki_rules.parse_serial(serial)
        )
    typer.echo(f"失効させました: {entry.serial}")
