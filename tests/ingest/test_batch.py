"""One ``ingest`` call takes its files in dependency order whatever order they were given in,
and says the order it used; an unknown insurer gets the command that registers it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kaigo_kiban.app.cli import app as cli
from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.ingest.kinds import batch_order

runner = CliRunner()
KIND_ORDER = list(KINDS)


def test_batch_order_puts_the_insurance_card_first_then_files_by_creation_time() -> None:
    names = [
        "copay_card_131016_20260402090000_001.csv",
        "consent_131016_20260401090000_001.csv",
        "insurance_card_131016_20260501090000_001.csv",
        "notes.txt",
        "insurance_card_131016_20260401090000_002.csv",
        "insurance_card_131016_20260401090000_001.csv",
    ]
    ordered = [names[i] for i in batch_order(names, KIND_ORDER)]
    assert ordered == [
        "insurance_card_131016_20260401090000_001.csv",
        "insurance_card_131016_20260401090000_002.csv",
        "insurance_card_131016_20260501090000_001.csv",
        "copay_card_131016_20260402090000_001.csv",
        "consent_131016_20260401090000_001.csv",
        "notes.txt",  # not a municipal file name: last, refused on its own
    ]


def test_the_insurance_card_kind_is_registered_before_every_kind_that_needs_its_persons() -> None:
    """The registry order is the dependency order batch_order relies on."""
    assert KIND_ORDER[0] == "insurance_card"


def test_synth_then_ingest_in_reverse_order_commits_every_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    out = tmp_path / "town"
    made = runner.invoke(
        cli, ["synth", "--insurer", "272000", "--people", "300", "--seed", "3", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    files = sorted(str(p) for p in out.iterdir())
    assert all(f.endswith(".csv") for f in files)  # the manifest is not among them

    unknown = runner.invoke(cli, ["--db", db, "ingest", "--json", *files])
    report = json.loads(unknown.stdout)
    codes = {e["code"] for f in report["files"] for e in f["errors"]}
    assert codes == {"ING-UNKNOWN-INSURER"}
    assert "kaigo-kiban registry add-insurer 272000" in report["files"][0]["errors"][0]["message"]

    added = runner.invoke(cli, ["--db", db, "registry", "add-insurer", "272000", "架空市"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["--db", db, "ingest", "--json", *reversed(files)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["order"][0].startswith("insurance_card_272000_")
    assert [f["status"] for f in report["files"]] == ["committed"] * len(files)
