"""``kaigo-kiban card``: issue a demo card, print its certificate, and sign a challenge like a reader."""

from __future__ import annotations

import stat
from pathlib import Path

import typer
from typer.testing import CliRunner

from kaigo_kiban.app.demo.card_commands import app as card_app
from kaigo_kiban.core.cli_context import CliContext
from kaigo_kiban.core.database import unit_of_work
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service
from kaigo_kiban.pki import chain
from tests.factories import INSURER_NO, actor_for, make_insurer, make_org
from tests.identity.conftest import PERSON_A, add_person


def _cli(context: CliContext) -> typer.Typer:
    """The ``card`` sub-app under a root that hands it ``context`` (as ``kaigo-kiban`` does)."""
    root = typer.Typer()

    @root.callback()
    def _options(ctx: typer.Context) -> None:
        ctx.obj = context

    root.add_typer(card_app, name="card")
    return root


def test_card_issued_and_signed_on_the_command_line_verifies(
    settings: Settings, tmp_path: Path
) -> None:
    context = CliContext(settings)
    with unit_of_work(context.sessions()) as db:
        make_insurer(db)
        add_person(db, PERSON_A, "山田 太郎", "ヤマダ タロウ")
        office = make_org(db, "office", "1310100001", "千代田ケアプランセンター", ("43",))
        actor = actor_for(office, "care_manager", service_types=("43",))
        challenge = service.issue_challenge(db, actor, INSURER_NO, PERSON_A)
    root = _cli(context)
    runner = CliRunner()
    card = tmp_path / "card.pem"

    issued = runner.invoke(
        root, ["card", "issue", "--insurer", INSURER_NO, "--insured", PERSON_A, "--out", str(card)]
    )
    cert = runner.invoke(root, ["card", "cert", "--card", str(card)])
    signed = runner.invoke(
        root, ["card", "sign", "--card", str(card), "--challenge", challenge.challenge]
    )

    assert issued.exit_code == 0, issued.output
    assert stat.S_IMODE(card.stat().st_mode) == 0o600
    assert cert.exit_code == 0 and "PRIVATE KEY" not in cert.output
    leaf = chain.load_pem_chain(cert.output)[0]
    assert (
        "山田" not in leaf.subject.rfc4514_string()
        and PERSON_A not in leaf.subject.rfc4514_string()
    )
    assert signed.exit_code == 0, signed.output
    with unit_of_work(context.sessions()) as db:
        assignment = service.verify_card(
            db,
            settings,
            actor,
            challenge_id=challenge.challenge_id,
            certificate_pem=cert.output,
            signature=signed.output.strip(),
            service_type="43",
        )
        assert assignment.verified_by == "MYNUMBER_CARD"


def test_unknown_person_gets_no_card(settings: Settings, tmp_path: Path) -> None:
    context = CliContext(settings)
    with unit_of_work(context.sessions()) as db:
        make_insurer(db)
    root = _cli(context)
    result = CliRunner().invoke(
        root,
        [
            "card",
            "issue",
            "--insurer",
            INSURER_NO,
            "--insured",
            "0000009999",
            "--out",
            str(tmp_path / "c.pem"),
        ],
    )

    assert result.exit_code == 2
    assert "IDV-PERSON-NOT-FOUND" in result.output
    assert not (tmp_path / "c.pem").exists()
