"""Every page of the shell is a Japanese HTML document with the same accessible frame."""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PERSON_NO
from tests.web.html import read_page

NOT_PAGES = ("/api/", "/static/", "/healthz", "/logout", "/fhir")
MAX_PAGES = 60


def crawl(client: TestClient, starts: list[str]) -> dict[str, object]:
    """GET every same-site page reachable by links from ``starts`` (bounded); path → response."""
    seen: dict[str, object] = {}
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        for href in read_page(response.text).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(NOT_PAGES):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def assert_shell_page(path: str, html: str) -> None:
    page = read_page(html)
    assert page.has_doctype, path
    assert page.lang == "ja", path
    assert page.title.strip().endswith("| kaigo-kiban"), path
    assert len(page.h1) == 1 and page.h1[0].strip(), f"{path}: exactly one non-empty h1"
    assert "main" in page.ids, f"{path}: <main id=main> is the skip link's target"
    assert 'class="skip" href="#main"' in html, f"{path}: skip link"
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", page.h1[0]), f"{path}: h1 in Japanese"
    unlabelled = page.unlabelled_fields()
    assert not unlabelled, f"{path}: fields without a label: {unlabelled}"


ROLE_STARTS = {
    None: ["/", "/login"],
    "city": ["/", "/municipal/persons?q=0000", f"/municipal/persons/{PERSON_NO}"],
    "cm": ["/"],
    "helper": ["/"],
}


@pytest.mark.parametrize("login_id", list(ROLE_STARTS), ids=lambda v: v or "anonymous")
def test_every_page_reachable_by_a_role_is_a_japanese_shell_page(
    login_id: str | None, anonymous: TestClient, signed_in: Callable[[str], TestClient]
) -> None:
    client = signed_in(login_id) if login_id else anonymous
    pages = crawl(client, ROLE_STARTS[login_id])
    html_pages = 0
    for path, response in pages.items():
        if response.status_code in (303, 307):
            continue
        assert response.status_code == 200, f"{path}: {response.status_code}"
        if "text/html" in response.headers["content-type"]:
            assert_shell_page(path, response.text)
            html_pages += 1
    assert html_pages >= 1


def test_a_forbidden_page_is_a_japanese_error_page(
    signed_in: Callable[[str], TestClient],
) -> None:
    response = signed_in("cm").get("/municipal/persons")
    assert response.status_code == 403
    assert_shell_page("/municipal/persons", response.text)
    assert "アクセスできません" in response.text
    assert "PAGE-MUNICIPAL-ONLY" in response.text


def test_login_page_ties_every_label_to_its_field(anonymous: TestClient) -> None:
    html = anonymous.get("/login").text
    page = read_page(html)
    assert {"login_id", "password", "otp"} <= page.label_for
    fields = {f.attrs["id"]: f.attrs for f in page.fields}
    assert fields["login_id"]["autocomplete"] == "username"
    assert fields["password"]["type"] == "password"
    assert fields["password"]["autocomplete"] == "current-password"
    assert fields["otp"]["autocomplete"] == "one-time-code"
    assert fields["otp"]["aria-describedby"] in page.ids
    assert not page.unlabelled_fields()


def test_htmx_request_gets_only_the_content_and_a_plain_request_the_whole_page(
    signed_in: Callable[[str], TestClient],
) -> None:
    client = signed_in("city")
    full = client.get("/")
    partial = client.get("/", headers={"HX-Request": "true"})
    assert full.text.lstrip().lower().startswith("<!doctype html>")
    assert "<html" not in partial.text and "<header" not in partial.text
    assert "<title>ホーム | kaigo-kiban</title>" in partial.text
    assert "市町村ホーム" in partial.text

    # The live search answers htmx with the results only; without JS the same URL is a page.
    search = f"/municipal/persons?q={PERSON_NO[:6]}"
    fragment = client.get(search, headers={"HX-Request": "true"}).text
    page = client.get(search).text
    assert f'href="/municipal/persons/{PERSON_NO}"' in fragment and "<main" not in fragment
    assert f'href="/municipal/persons/{PERSON_NO}"' in page and "<main" in page


def test_htmx_keeps_no_page_snapshots_in_local_storage(anonymous: TestClient) -> None:
    html = anonymous.get("/login").text
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match, "htmx-config meta tag"
    config = json.loads(match.group(1))
    assert config["historyCacheSize"] == 0
    assert config["refreshOnHistoryMiss"] is True
    assert config["allowEval"] is False


def test_shell_static_files_are_served(anonymous: TestClient) -> None:
    for name, kind in (
        ("kk.css", "text/css"),
        ("kk.js", "javascript"),
        ("htmx.min.js", "javascript"),
    ):
        response = anonymous.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert kind in response.headers["content-type"], name
