"""The 認定調査票 基本調査 catalogue (packaged ``data/survey_items.json``): 55 questions in 5 群,
their answer codes 1..n, and the 12 特別な医療 items. Read once; no database.

1-1 麻痺等 and 1-2 拘縮 are multi-select: their answer is a set of codes, written in files as
space-separated codes (``"2 4"``); ``1`` (ない) cannot be combined with another code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class SurveyItem:
    id: str  # "1-1"
    group: str  # "1"
    name: str
    multi: bool
    options: dict[int, str]

    @property
    def column(self) -> str:
        """The file column of this item: ``item_1_1``."""
        return "item_" + self.id.replace("-", "_")


@dataclass(frozen=True)
class SurveyCatalogue:
    source: str
    groups: dict[str, str]  # id → name
    items: tuple[SurveyItem, ...]
    medical: dict[int, str]  # 特別な医療 no → label

    def item(self, item_id: str) -> SurveyItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)


@cache
def catalogue() -> SurveyCatalogue:
    """The packaged catalogue."""
    text = (
        resources.files("kaigo_kiban.certification.cases")
        .joinpath("data/survey_items.json")
        .read_text("utf-8")
    )
    raw = json.loads(text)
    items = tuple(
        SurveyItem(
            id=i["id"],
            group=i["group"],
            name=i["name"],
            multi=bool(i["multi"]),
            options={int(o["no"]): o["label"] for o in i["options"]},
        )
        for i in raw["items"]
    )
    return SurveyCatalogue(
        source=raw["source"],
        groups={g["id"]: g["name"] for g in raw["groups"]},
        items=items,
        medical={int(m["no"]): m["label"] for m in raw["medical"]},
    )


def parse_multi(item: SurveyItem, text: str) -> list[int] | str:
    """Codes of a multi-select answer (sorted, unique), or the Japanese reason it is invalid."""
    parts = text.split()
    if not parts:
        return f"{item.id} {item.name}: 回答がありません"
    codes: list[int] = []
    for part in parts:
        if not part.isdigit() or int(part) not in item.options:
            allowed = ", ".join(f"{k}={v}" for k, v in item.options.items())
            return f"{item.id} {item.name}: コード {part!r} は定義にありません ({allowed})"
        codes.append(int(part))
    unique = sorted(set(codes))
    if 1 in unique and len(unique) > 1:
        return f"{item.id} {item.name}: 「{item.options[1]}」(1) は他のコードと同時に選べません"
    return unique


def answer_labels(item: SurveyItem, value: int | list[int] | None) -> str:
    """Readable answer: ``"左上肢・右下肢"``; ``"—"`` when unanswered."""
    if value is None:
        return "—"
    codes = value if isinstance(value, list) else [value]
    return "・".join(item.options.get(c, f"不明なコード{c}") for c in codes)
