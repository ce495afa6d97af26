"""Generated parts of ``docs/careplan-format.md``: column tables, code lists, a JSON example.

The document keeps hand-written prose around blocks delimited by
``<!-- BEGIN GENERATED: key -->`` / ``<!-- END GENERATED: key -->``; ``update_doc`` rewrites the
blocks from the layouts so the document cannot drift from the code (a test checks it).

Regenerate with ``PYTHONPATH=src python -m kaigo_kiban.careplan.codec.docgen docs/careplan-format.md``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from kaigo_kiban.careplan.codec.checks import KIND_ERRORS
from kaigo_kiban.careplan.codec.columns import (
    ACCEPTED_VERSIONS,
    UNCERTAIN_CODES,
    UNCERTAIN_LENGTH,
    UNCERTAIN_REQUIRED,
    UNCERTAIN_VALUE,
    UNPLACED_CODE_LISTS,
    Column,
    Layout,
)
from kaigo_kiban.careplan.codec.filenames import FileName
from kaigo_kiban.careplan.codec.formats import build_careplan
from kaigo_kiban.careplan.codec.jsonform import to_json
from kaigo_kiban.careplan.codec.layouts import LAYOUTS

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<key>[a-z-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=key) -->)",
    re.DOTALL,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _codes(col: Column) -> str:
    parts = []
    if col.codes:
        parts.append(", ".join(f"`{k}` {v}" if v != k else f"`{k}`" for k, v in col.codes.items()))
        if UNCERTAIN_CODES in col.uncertain:
            parts.append("（他の値は警告）")
    if col.specials:
        parts.append("特別値 " + ", ".join(f"`{s}`" for s in col.specials))
    if col.pattern_doc:
        parts.append(f"形式 {col.pattern_doc}")
    return " ".join(parts)


def column_row(col: Column) -> str:
    """One markdown table row describing ``col``."""
    length = "" if col.max_length is None else str(col.max_length)
    if UNCERTAIN_LENGTH in col.uncertain:
        length += "?"
    required = "○" if col.required else ""
    if UNCERTAIN_REQUIRED in col.uncertain:
        required += "?"
    notes = [col.note] if col.note else []
    if col.inferred:
        notes.append("推定（問題は警告）")
    if UNCERTAIN_VALUE in col.uncertain:
        notes.append("形式未確認（問題は警告）")
    cells = [
        str(col.no),
        col.name_ja,
        f"`{col.name}`",
        col.kind.value,
        length,
        required,
        _codes(col),
        "; ".join(notes),
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def layout_section(layout: Layout) -> str:
    """Heading, file rules and column table of one record type."""
    facts = [
        f"{layout.width}項目" + ("" if layout.count_certain else "（項目数は推定、違いは警告）")
    ]
    if layout.month_in_name:
        facts.append("ファイル名に対象年月あり")
    if layout.month_column:
        facts.append(f"`{layout.month_column}` はファイル名の年月と一致")
    if layout.sender_columns:
        names = ", ".join(f"`{n}`" for n in layout.sender_columns)
        facts.append(f"{names} は送信元事業所番号と一致")
    if layout.sender_type_column:
        facts.append(f"`{layout.sender_type_column}` は送信元サービス種類と一致")
    lines = [f"### {layout.record_type} — {layout.name_ja}", ""]
    if layout.inferred:
        lines += ["**推定レイアウト**: 項目の位置・名前は公式の一覧がなく推定です。", ""]
    lines += ["- " + fact for fact in facts]
    if layout.note:
        lines.append(f"- {layout.note}")
    lines += [
        "",
        "| No | 項目名 | identifier | type | max | 必須 | values | notes |",
        "|---:|---|---|---|---:|:---:|---|---|",
        *(column_row(c) for c in layout.columns),
        "",
    ]
    return "\n".join(lines)


def _versions() -> str:
    rows = ["| value | standard |", "|---|---|"]
    rows += [f"| `{v}` | {label} |" for v, label in ACCEPTED_VERSIONS.items()]
    return "\n".join(rows) + "\n"


def _layouts() -> str:
    return "\n".join(layout_section(layout) for layout in LAYOUTS.values())


def _unplaced() -> str:
    rows = ["| list | identifier | codes |", "|---|---|---|"]
    for label, (ident, codes) in UNPLACED_CODE_LISTS.items():
        values = ", ".join(f"`{k}` {v}" for k, v in codes.items())
        rows.append(f"| {label} | `{ident}` | {_cell(values)} |")
    return "\n".join(rows) + "\n"


def _kinds() -> str:
    rows = ["| type | error code | expected |", "|---|---|---|"]
    rows += [f"| {kind.value} | `{code}` | {what} |" for kind, (code, what) in KIND_ERRORS.items()]
    return "\n".join(rows) + "\n"


def example_json() -> dict:
    """The JSON form of a small synthetic 第6表 file (two visits of one fictional person)."""
    name = FileName("UPPLAN", "1310000001", "1310000002", "20250425120000", "202505", "43", "11")
    row = {
        "csv_version": "202407",
        "insurer_no": "131016",
        "insured_no": "0000000001",
        "created_on": "20250425",
        "target_month": "202505",
        "plan_office_no": "1310000001",
        "plan_manager_name": "計画 太郎",
        "units": "163",
        "service_date": "20250507",
        "start_time": "0900",
        "end_time": "0930",
        "service_count": "1",
        "service_code": "114845",
        "provider_office_no": "1310000002",
        "provider_office_name": '訪問介護ステーション"みどり"',
        "over_30_days": "0",
        "updater_office_no": "1310000001",
    }
    second = {**row, "service_date": "20250514"}
    return to_json(build_careplan("UPPLAN", [row, second], name))


def _example() -> str:
    return "```json\n" + json.dumps(example_json(), ensure_ascii=False, indent=2) + "\n```\n"


GENERATORS: Mapping[str, Callable[[], str]] = {
    "versions": _versions,
    "types": _kinds,
    "layouts": _layouts,
    "unplaced-codes": _unplaced,
    "json-example": _example,
}


def update_doc(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""

    def replace(match: re.Match[str]) -> str:
        key = match.group("key")
        if key not in GENERATORS:
            raise KeyError(f"unknown generated block {key!r}")
        return match.group(1) + GENERATORS[key]() + match.group(4)

    return _BLOCK.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated blocks of the given markdown file in place."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/careplan-format.md")
    path.write_text(update_doc(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
