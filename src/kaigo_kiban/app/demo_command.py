"""``kaigo-kiban demo``: build the demo database and serve it."""

from __future__ import annotations

from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from kaigo_kiban.app.demo.builder import ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP, seed
from kaigo_kiban.app.factory import create_app
from kaigo_kiban.core.cli_context import cli_context
from kaigo_kiban.core.database import make_engine, make_session_factory, migrate
from kaigo_kiban.core.settings import Settings


def demo(
    ctx: typer.Context,
    people: int = typer.Option(3000, "--people", help="合成する被保険者の人数"),
    port: int = typer.Option(8000, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    no_serve: bool = typer.Option(False, "--no-serve", help="データを作るだけでサーバを起動しない"),
) -> None:
    """デモ用の新しいデータベースを作り、合成した市町村のデータを取り込み、Web画面を起動します。"""
    console = Console()
    base = cli_context(ctx).settings
    database_url = base.database_url
    if database_url == Settings.model_fields["database_url"].default:
        database_url = "sqlite:///./var/demo.db"
        db_file = Path("./var/demo.db")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    settings = base.model_copy(
        update={"database_url": database_url, "demo_mode": True, "secure_cookies": False}
    )
    engine = make_engine(settings)
    migrate(engine)
    with console.status(f"合成データ ({people:,} 人) を作成して取り込んでいます…"):
        counts = seed(make_session_factory(engine), settings, people=people)
    engine.dispose()
    console.print(
        f"[bold green]デモの準備ができました[/] ({', '.join(f'{k}: {v:,}' for k, v in counts.items())})"
    )
    console.print(
        f"URL: [bold]http://{host}:{port}/[/]  (ワンクリックログインの案内ページが開きます)"
    )
    console.print(
        f"パスワード (全アカウント共通): {DEMO_PASSWORD}   TOTP シークレット: {DEMO_TOTP}"
    )
    for login_id, _code, name, job, _admin in ACCOUNTS:
        console.print(f"  {login_id:<18} {name} ({job})")
    if not no_serve:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
