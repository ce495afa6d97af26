"""The role menu: each role sees its own entries, and only pages that exist."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.navigation import NAV, ROLE_LABELS, nav_items, nav_role, readable_kinds
from tests.web.html import read_page


def _request(app: FastAPI, path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "app": app, "headers": []})


def _office(job_type: str) -> Actor:
    return Actor(
        kind="staff",
        display_name="試験",
        organization_kind="office",
        job_type=job_type,
        service_types=("43",),
    )


def _app_with_pages(*paths: str) -> FastAPI:
    app = FastAPI()
    for path in ("/", *paths):
        app.add_api_route(path, lambda: {}, methods=["GET"])
    return app


def test_care_manager_sees_care_manager_pages_other_office_staff_do_not() -> None:
    app = _app_with_pages("/office/persons", "/office/plan-notices", "/careplan/mailbox")
    manager = [i["label"] for i in nav_items(_request(app, "/"), _office("care_manager"))]
    clerk = [i["label"] for i in nav_items(_request(app, "/"), _office("clerk"))]
    assert manager == ["ホーム", "担当利用者", "ケアプラン連携", "計画作成依頼届出"]
    assert clerk == ["ホーム", "担当利用者", "ケアプラン連携"]


def test_menu_leaves_out_pages_that_do_not_exist_yet() -> None:
    app = _app_with_pages()
    city = Actor(kind="municipality", display_name="試験", organization_kind="municipality")
    assert [i["href"] for i in nav_items(_request(app, "/"), city)] == ["/"]


def test_current_page_is_marked_and_sub_pages_count_as_current() -> None:
    app = _app_with_pages(
        "/municipal/persons", "/municipal/persons/{insured_no}", "/municipal/ingest"
    )
    city = Actor(kind="municipality", display_name="試験", organization_kind="municipality")
    items = nav_items(_request(app, "/municipal/persons/0000000001"), city)
    assert [i["label"] for i in items if i["current"]] == ["被保険者の検索"]


def test_every_role_has_a_home_entry_and_every_entry_a_known_role() -> None:
    for role in ROLE_LABELS:
        home = "/me" if role == "person" else "/"  # a person's home is the portal
        assert any(item.href == home and role in item.roles for item in NAV), role
    assert all(
        item.roles <= set(ROLE_LABELS) | {"admin"} for item in NAV
    )  # admin: org administrators
    assert nav_role(None) is None
    assert nav_role(Actor(kind="person", display_name="本人")) == "person"
    assert (
        nav_role(Actor(kind="staff", display_name="医師", organization_kind="medical")) == "medical"
    )


def test_readable_kinds_differ_by_job_type_in_the_same_office() -> None:
    manager = readable_kinds(_office("care_manager"))
    clerk = readable_kinds(_office("clerk"))
    assert "被保険者証" in manager
    assert set(clerk) < set(manager)
    assert readable_kinds(None) == []


def test_municipal_menu_on_the_real_app(signed_in: Callable[[str], TestClient]) -> None:
    city = signed_in("city").get("/").text
    office = signed_in("helper").get("/").text
    assert {"/municipal/persons", "/municipal/ingest"} <= set(read_page(city).links)
    assert not any(link.startswith("/municipal/") for link in read_page(office).links)
    assert 'aria-label="メインメニュー"' in city
