"""The 主治医意見書 form (2009 様式, docs/domain.md §3.4) as data, and its validation.

The sections, items and choices are packaged data (``data/opinion_form_2009.json``), read once
at import; everything else here is pure.

The content of an opinion is a flat JSON object keyed by field id (``s1_stability``): strings
for single values (dates as ``YYYY-MM-DD``, numbers as decimal text) and lists of option
codes for check boxes. A draft keeps whatever was entered (only malformed values are
reported); a submission must pass every check, including the required items.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from kaigo_kiban.core.clock import wareki

FORM_ID = "shujii-ikensho-2009"
FORM_VERSION = 1


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    kind: str  # date | text | textarea | radio | checks | number
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    max_length: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    hint: str = ""
    required_if: tuple[str, str] | None = None  # (field id, option code) that makes it required

    def option_label(self, code: str) -> str:
        return dict(self.options).get(code, code)


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    groups: tuple[Group, ...]
    note: str = ""


def _field(raw: dict[str, Any]) -> Field:
    return Field(
        id=raw["id"],
        label=raw["label"],
        kind=raw["kind"],
        options=tuple((str(c), str(label)) for c, label in raw.get("options", ())),
        required=bool(raw.get("required", False)),
        max_length=raw.get("max_length"),
        minimum=Decimal(raw["minimum"]) if "minimum" in raw else None,
        maximum=Decimal(raw["maximum"]) if "maximum" in raw else None,
        hint=raw.get("hint", ""),
        required_if=tuple(raw["required_if"]) if "required_if" in raw else None,  # type: ignore[arg-type]
    )


def _load() -> tuple[Section, ...]:
    """The form definition packaged as ``data/opinion_form_2009.json``."""
    text = (
        resources.files("kaigo_kiban.certification.opinions")
        .joinpath("data/opinion_form_2009.json")
        .read_text("utf-8")
    )
    raw = json.loads(text)
    return tuple(
        Section(
            s["id"],
            s["title"],
            tuple(
                Group(g["id"], g["title"], tuple(_field(f) for f in g["fields"]))
                for g in s["groups"]
            ),
        )
        for s in raw["sections"]
    )


SECTIONS: tuple[Section, ...] = _load()
FIELDS: dict[str, Field] = {f.id: f for s in SECTIONS for g in s.groups for f in g.fields}


def from_form(values: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    """Content from submitted form values (field id → the values sent). Unknown keys are ignored;
    blanks become None, check boxes a list of codes in form order."""
    content: dict[str, Any] = {}
    for fid, spec in FIELDS.items():
        sent = [v.strip() for v in values.get(fid, ()) if v is not None]
        if spec.kind == "checks":
            content[fid] = [v for v in dict.fromkeys(sent) if v] or None
        else:
            content[fid] = next((v for v in sent if v), None)
    return content


def normalise(content: Mapping[str, Any]) -> dict[str, Any]:
    """Content with every field present (missing → None) and JSON-friendly values only."""
    out: dict[str, Any] = {}
    for fid, spec in FIELDS.items():
        value = content.get(fid)
        if spec.kind == "checks":
            out[fid] = [str(v) for v in value] if isinstance(value, list) and value else None
        else:
            out[fid] = None if value in (None, "") else str(value)
    return out


def _present(value: Any) -> bool:
    return value not in (None, "", [])


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _field_problem(spec: Field, value: Any) -> str | None:
    codes = {c for c, _label in spec.options}
    if spec.kind == "checks":
        if not isinstance(value, list) or any(v not in codes for v in value):
            return f"{spec.label}: 選択肢にない値があります"
        return None
    if not isinstance(value, str):
        return f"{spec.label}: 値の形式が正しくありません"
    if spec.kind == "radio" and value not in codes:
        return f"{spec.label}: 選択肢から選んでください"
    if spec.kind == "date" and _date(value) is None:
        return f"{spec.label}: 日付が正しくありません (YYYY-MM-DD)"
    if spec.kind == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return f"{spec.label}: 数値で入力してください"
        if not number.is_finite() or (
            (spec.minimum is not None and number < spec.minimum)
            or (spec.maximum is not None and number > spec.maximum)
        ):
            return f"{spec.label}: {spec.minimum}〜{spec.maximum} の範囲で入力してください"
    if spec.max_length is not None and len(value) > spec.max_length:
        return f"{spec.label}: {spec.max_length}文字以内で入力してください（現在{len(value)}文字）"
    if "\x00" in value:
        return f"{spec.label}: 使用できない文字を含みます"
    return None


def validate(content: Mapping[str, Any], *, final: bool, today: dt.date) -> dict[str, str]:
    """Field id → Japanese message. ``final`` adds the required items and cross-field checks."""
    errors: dict[str, str] = {}
    for fid, spec in FIELDS.items():
        value = content.get(fid)
        if _present(value):
            problem = _field_problem(spec, value)
            if problem:
                errors[fid] = problem
            continue
        if not final:
            continue
        needed = spec.required or (
            spec.required_if is not None
            and _matches(content.get(spec.required_if[0]), spec.required_if[1])
        )
        if needed:
            verb = "選択してください" if spec.kind in ("radio", "checks") else "入力してください"
            errors[fid] = f"{spec.label}を{verb}"
    if final:
        written = _date(content.get("h_written_on") or "")
        exam = _date(content.get("h_last_exam_on") or "")
        if written and written > today and "h_written_on" not in errors:
            errors["h_written_on"] = "記入日: 未来の日付は入力できません"
        if written and exam and exam > written and "h_last_exam_on" not in errors:
            errors["h_last_exam_on"] = "最終診察日: 記入日より後の日付です"
    return errors


def _matches(value: Any, code: str) -> bool:
    return value == code or (isinstance(value, list) and code in value)


def readable(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Sections → groups → (label, shown value) for display and printing."""
    out = []
    for section in SECTIONS:
        groups = []
        for group in section.groups:
            rows = []
            for spec in group.fields:
                value = content.get(spec.id)
                if not _present(value):
                    shown = "—"
                elif spec.kind in ("radio", "checks"):
                    codes = value if isinstance(value, list) else [value]
                    shown = "、".join(spec.option_label(c) for c in codes)
                elif spec.kind == "date" and (day := _date(str(value))) is not None:
                    shown = f"{wareki(day)} ({day.isoformat()})"
                else:
                    shown = str(value)
                rows.append({"id": spec.id, "label": spec.label, "value": shown, "kind": spec.kind})
            groups.append({"id": group.id, "title": group.title, "rows": rows})
        out.append({"id": section.id, "title": section.title, "groups": groups})
    return out
