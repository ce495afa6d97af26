"""``kaigo-kiban synth`` writes the files and reports in Japanese."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from kaigo_kiban.synth.commands import synth


def _cli() -> typer.Typer:
    # Mounted the way the top-level CLI mounts it: as a command function.
    app = typer.Typer()
    app.command("synth")(synth)
    app.command("noop")(lambda: None)
    return app


def test_synth_command_writes_files_and_prints_a_japanese_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _cli(),
        ["synth", "--insurer", "272000", "--people", "400", "--seed", "5", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "大阪府" in result.output and "被保険者証" in result.output
    assert "被保険者 400 人" in result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 4 and all(n.endswith(".csv") for n in names)  # the data files only
    manifest = tmp_path.parent / f"{tmp_path.name}.manifest.json"
    assert manifest.exists()
    assert "kaigo-kiban registry add-insurer 272000" in result.output
    assert f"kaigo-kiban ingest {tmp_path}/*.csv" in result.output


def test_synth_command_rejects_a_bad_insurer_number_with_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli(), ["synth", "--insurer", "990000", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "保険者番号が正しくありません" in result.output
    assert not any(tmp_path.iterdir())


def test_synth_command_rejects_a_bad_people_count_with_exit_code_2(tmp_path: Path) -> None:
    args = ["synth", "--insurer", "272000", "--people", "0", "--out", str(tmp_path / "x")]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 2
    assert "人数" in result.output
