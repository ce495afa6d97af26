"""Just enough HTML reading for shell tests: landmarks, headings, links, fields and labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Field:
    tag: str
    attrs: dict[str, str]


class PageFacts(HTMLParser):
    """Facts about one HTML document, gathered in a single pass."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.h1: list[str] = []
        self.links: list[str] = []
        self.fields: list[Field] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.has_doctype = False
        self._in: list[str] = []
        self._label_depth = 0

    def handle_decl(self, decl: str) -> None:
        self.has_doctype = self.has_doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "label":
            self._label_depth += 1
            if "for" in a:
                self.label_for.add(a["for"])
        elif (
            tag in ("input", "select", "textarea") and a.get("type", "text") not in UNLABELLED_TYPES
        ):
            wrapped = dict(a, _wrapped="1") if self._label_depth else a
            self.fields.append(Field(tag, wrapped))
        if tag in ("title", "h1"):
            self._in.append(tag)
            if tag == "h1":
                self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1[-1] += data

    def unlabelled_fields(self) -> list[Field]:
        """Form fields no label names: neither <label for>, a wrapping label nor aria-label(ledby)."""
        return [
            f
            for f in self.fields
            if f.attrs.get("id") not in self.label_for
            and "_wrapped" not in f.attrs
            and not f.attrs.get("aria-label")
            and not f.attrs.get("aria-labelledby")
        ]


def read_page(html: str) -> PageFacts:
    facts = PageFacts()
    facts.feed(html)
    facts.close()
    return facts


def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def assert_labelled(html: str) -> None:
    """Every field has a label, the page is in Japanese and has one ``h1``."""
    page = read_page(html)
    assert page.unlabelled_fields() == [], page.unlabelled_fields()
    assert page.lang == "ja" and len(page.h1) == 1
