"""docs/careplan-format.md is generated from the layouts and must be up to date."""

from __future__ import annotations

from pathlib import Path

from kaigo_kiban.careplan.codec.docgen import update_doc
from kaigo_kiban.careplan.codec.layouts import LAYOUTS

DOC = Path(__file__).resolve().parents[3] / "docs" / "careplan-format.md"


def test_format_document_is_up_to_date_with_the_layouts():
    text = DOC.read_text(encoding="utf-8")
    assert update_doc(text) == text, (
        "docs/careplan-format.md is stale: run "
        "PYTHONPATH=src python -m kaigo_kiban.careplan.codec.docgen docs/careplan-format.md"
    )


def test_every_record_type_and_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for layout in LAYOUTS.values():
        assert f"### {layout.record_type} — {layout.name_ja}" in text
        for col in layout.columns:
            assert f"`{col.name}`" in text
