"""``kaigo-kiban``: the command line. Thin: each command lives in its area's ``commands.py``."""

from __future__ import annotations

import typer

from kaigo_kiban.accounts.commands import app as accounts_app
from kaigo_kiban.app.commands import app as api_app
from kaigo_kiban.app.commands import serve
from kaigo_kiban.app.demo.card_commands import app as card_app
from kaigo_kiban.app.demo_command import demo
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.audit.commands import app as audit_app
from kaigo_kiban.careplan.commands import app as careplan_app
from kaigo_kiban.certification.cases.commands import app as certification_app
from kaigo_kiban.certification.opinions.commands import app as certification_opinions_app
from kaigo_kiban.core.cli_context import CliContext
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.ingest.commands import ingest
from kaigo_kiban.life.commands import app as life_app
from kaigo_kiban.person.commands import app as person_app
from kaigo_kiban.pki.commands import app as pki_app
from kaigo_kiban.registry.commands import app as registry_app
from kaigo_kiban.subsidies.commands import app as subsidies_app
from kaigo_kiban.synth.commands import synth

app = typer.Typer(
    name="kaigo-kiban",
    help="介護情報基盤 (kaigo-kiban) — 市町村ファイルの取込、デモ、サーバ、各種管理コマンド",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="データベースURL (既定: KK_DATABASE_URL または ./var/kaigo-kiban.db)"
    ),
) -> None:
    settings = Settings(database_url=db) if db else Settings()
    ctx.obj = CliContext(settings, ingest_kinds=KINDS)


app.command("ingest")(ingest)
app.command("demo")(demo)
app.command("synth")(synth)
app.command("serve")(serve)
registry_app.add_typer(accounts_app)  # registry system-key
app.add_typer(registry_app, name="registry")
app.add_typer(audit_app, name="audit")
app.add_typer(subsidies_app, name="subsidies")
# The former name, still in use in scripts and the README's history: the same commands.
app.add_typer(subsidies_app, name="portal", hidden=True)
app.add_typer(careplan_app, name="careplan")
certification_app.add_typer(certification_opinions_app)  # verify-opinion, sign-file
app.add_typer(certification_app, name="certification")
app.add_typer(pki_app, name="pki")
app.add_typer(card_app, name="card")
app.add_typer(life_app, name="life")
app.add_typer(person_app, name="person")
app.add_typer(api_app, name="api")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
