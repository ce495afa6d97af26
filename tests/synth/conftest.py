"""A synthetic municipality of 20,000 people, generated once per test module that asks for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from kaigo_kiban.cards.formats import CARD_LAYOUTS
from kaigo_kiban.core.errors import FieldError
from kaigo_kiban.core.tabular import compile_layout, split_csv_line
from kaigo_kiban.synth.generator import SynthManifest, generate_municipality

LAYOUTS = {layout.kind: layout for layout in CARD_LAYOUTS}
INSURER = "132012"
BASE = dt.date(2026, 10, 1)


@dataclass
class Generated:
    out: Path
    manifest: SynthManifest
    rows: dict[str, list[dict[str, object]]]
    """kind → converted rows (ISO date strings, ints, None for blanks) as dicts."""
    errors: list[FieldError]


def load(out: Path, manifest: SynthManifest) -> Generated:
    """Read every file back through the layouts' own converters."""
    rows: dict[str, list[dict[str, object]]] = {}
    errors: list[FieldError] = []
    for f in manifest.files:
        layout = LAYOUTS[f.kind]
        compiled = compile_layout(layout)
        lines = (out / f.name).read_bytes().decode("utf-8").split("\r\n")
        assert lines[-1] == ""
        kept = []
        for number, line in enumerate(lines[1:-1], 2):
            cells = split_csv_line(line)
            assert cells is not None and len(cells) == len(layout.columns), line
            values = compiled.convert(cells, number, f.name, errors, "SYN")
            if values is not None:
                kept.append(dict(zip(layout.names, values, strict=True)))
        rows[f.kind] = kept
    return Generated(out, manifest, rows, errors)


@pytest.fixture(scope="package")
def town(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("town")
    manifest = generate_municipality(INSURER, 20_000, 11, out, base_date=BASE)
    return load(out, manifest)
