"""The files are valid municipal card files: layout, names, encoding, determinism."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaigo_kiban.app.intake import KINDS
from kaigo_kiban.cards.formats import CARD_LAYOUTS
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.core.tabular import format_csv_line, header_line
from kaigo_kiban.ingest.kinds import FileName, parse_file_name
from kaigo_kiban.synth.generator import (
    generate_municipality,
    iter_insurance_card_rows,
    manifest_path,
)
from tests.synth.conftest import BASE, INSURER, LAYOUTS, Generated, load


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_same_seed_gives_byte_identical_files_even_in_another_process(tmp_path: Path) -> None:
    generate_municipality(INSURER, 1500, 3, tmp_path / "a")
    # Another interpreter with another hash seed: nothing may depend on hash() or set order.
    code = (
        "import sys; from pathlib import Path; "
        "from kaigo_kiban.synth.generator import generate_municipality; "
        f"generate_municipality('{INSURER}', 1500, 3, Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True, env=env)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = generate_municipality(INSURER, 500, 1, tmp_path / "a")
    b = generate_municipality(INSURER, 500, 2, tmp_path / "b")
    assert a.files[0].name == b.files[0].name
    first = (tmp_path / "a" / a.files[0].name).read_bytes()
    assert first != (tmp_path / "b" / b.files[0].name).read_bytes()
    assert a.insurer_name == b.insurer_name  # the municipality belongs to the insurer number


def test_every_row_of_every_file_converts_without_errors(town: Generated) -> None:
    assert town.errors == []
    for f in town.manifest.files:
        assert len(town.rows[f.kind]) == f.rows > 0


def test_files_are_utf8_with_crlf_and_the_layout_header(town: Generated) -> None:
    for f in town.manifest.files:
        data = (town.out / f.name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\n") == data.count(b"\r\n") == f.rows + 1
        assert data.split(b"\r\n", 1)[0].decode() == header_line(LAYOUTS[f.kind])


def test_file_names_follow_the_ingest_grammar_with_cards_first(town: Generated) -> None:
    parsed = [parse_file_name(f.name, KINDS) for f in town.manifest.files]
    assert all(isinstance(p, FileName) for p in parsed)
    assert [p.kind for p in parsed] == [layout.kind for layout in CARD_LAYOUTS]  # type: ignore[union-attr]
    assert {p.insurer_no for p in parsed} == {INSURER}  # type: ignore[union-attr]
    stamps = [p.created_at for p in parsed]  # type: ignore[union-attr]
    assert stamps == sorted(stamps) and stamps[0].date() == BASE
    assert {p.seq for p in parsed} == {1}  # type: ignore[union-attr]


def test_date_pairs_respect_the_layout_order(town: Generated) -> None:
    for kind, rows in town.rows.items():
        for earlier, later in LAYOUTS[kind].ordered:
            for row in rows:
                if row[earlier] and row[later]:
                    assert row[earlier] <= row[later], (kind, earlier, later, row)


def test_manifest_json_matches_the_returned_manifest(town: Generated) -> None:
    on_disk = json.loads(manifest_path(town.out).read_text("utf-8"))
    assert on_disk == town.manifest.to_dict()
    assert on_disk["insurer_no"] == INSURER and on_disk["prefecture_code"] == "13"
    assert on_disk["insurer_name"].endswith("市")


def test_iter_insurance_card_rows_yields_exactly_the_file_rows(tmp_path: Path) -> None:
    m = generate_municipality(INSURER, 800, 9, tmp_path)
    lines = (tmp_path / m.files[0].name).read_bytes().decode().split("\r\n")[1:-1]
    rows = list(iter_insurance_card_rows(INSURER, 800, 9))
    assert [format_csv_line(r) for r in rows] == lines


def test_invalid_insurer_number_is_rejected_in_japanese(tmp_path: Path) -> None:
    for bad in ("99999", "480000", "12345a"):
        with pytest.raises(InvalidInput, match="保険者番号"):
            generate_municipality(bad, 10, 1, tmp_path)


def test_out_of_range_people_and_base_date_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="人数"):
        generate_municipality(INSURER, 0, 1, tmp_path)
    with pytest.raises(InvalidInput, match="基準日"):
        generate_municipality(INSURER, 10, 1, tmp_path, base_date=dt.date(1999, 4, 1))


def test_given_offices_are_used_and_bad_ones_rejected(tmp_path: Path) -> None:
    offices = ["1370000001", "1370000002"]
    m = generate_municipality(INSURER, 3000, 4, tmp_path, care_mgmt_offices=offices)
    g = load(tmp_path, m)
    used = {r["plan_office_no"] for r in g.rows["insurance_card"] if r["plan_office_no"]}
    assert used == set(offices) and m.care_mgmt_offices == offices
    with pytest.raises(InvalidInput):
        generate_municipality(INSURER, 10, 1, tmp_path, care_mgmt_offices=["123"])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32),
    prefecture=st.integers(1, 47),
    base=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
)
def test_any_seed_prefecture_and_base_date_gives_valid_ordered_rows(
    tmp_path_factory: pytest.TempPathFactory, seed: int, prefecture: int, base: dt.date
) -> None:
    insurer = f"{prefecture:02d}0017"
    out = tmp_path_factory.mktemp("any")
    g = load(out, generate_municipality(insurer, 300, seed, out, base_date=base))
    assert g.errors == []
    iso = base.isoformat()
    for kind, rows in g.rows.items():
        for row in rows:
            assert row["insurer_no"] == insurer
            assert row["issued_on"] is None or row["issued_on"] <= iso
            assert row["valid_from"] <= iso or kind != "insurance_card"
            for earlier, later in LAYOUTS[kind].ordered:
                if row[earlier] and row[later]:
                    assert row[earlier] <= row[later]
