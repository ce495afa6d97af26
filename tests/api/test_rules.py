"""Pure API rules: cursors, ETags, request fingerprints, OpenAPI compatibility."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http import rules

KEYS = st.lists(
    st.one_of(st.text(max_size=30), st.integers(-(2**40), 2**40), st.dates()), max_size=4
)


@given(KEYS, st.text(min_size=1, max_size=40))
def test_a_cursor_decodes_to_the_key_it_was_made_from(key: list, scope: str) -> None:
    codec = rules.CursorCodec("secret")
    token = codec.encode(scope, key)
    assert codec.decode(scope, token) == rules.cursor_key(key)
    assert codec.encode(scope, key) == token  # deterministic: same page, same ETag


@given(KEYS)
def test_a_cursor_is_refused_by_another_list_or_another_server(key: list) -> None:
    token = rules.CursorCodec("secret").encode("/api/v1/assigned-persons", key)
    with pytest.raises(InvalidInput) as other_list:
        rules.CursorCodec("secret").decode("/fhir/Patient", token)
    with pytest.raises(InvalidInput):
        rules.CursorCodec("other secret").decode("/api/v1/assigned-persons", token)
    assert other_list.value.code == "API-CURSOR-INVALID"


@given(st.text(max_size=60))
def test_garbage_is_never_a_cursor(token: str) -> None:
    with pytest.raises(InvalidInput):
        rules.CursorCodec("secret").decode("/x", token)


def test_dates_in_keys_compare_like_dates() -> None:
    earlier, later = dt.date(2026, 1, 31), dt.date(2026, 2, 1)
    assert rules.cursor_key([earlier]) < rules.cursor_key([later])


@given(st.binary(max_size=200))
def test_the_weak_etag_matches_itself_with_or_without_w(body: bytes) -> None:
    etag = rules.weak_etag(body)
    assert rules.etag_matches(etag, etag)
    assert rules.etag_matches(etag.removeprefix("W/"), etag)
    assert rules.etag_matches(f'"x", {etag}', etag)
    assert rules.etag_matches("*", etag)
    assert not rules.etag_matches(None, etag)
    assert not rules.etag_matches(rules.weak_etag(body + b"!"), etag)


@given(st.binary(max_size=100))
def test_a_retried_upload_with_a_new_boundary_is_the_same_request(payload: bytes) -> None:
    def multipart(boundary: str) -> tuple[str, bytes]:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'.encode()
            + payload
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return f"multipart/form-data; boundary={boundary}", body

    one = rules.request_fingerprint("", *multipart("aaaa1111"))
    two = rules.request_fingerprint("", *multipart("bbbb2222"))
    assert one == two
    assert one != rules.request_fingerprint("x=1", *multipart("aaaa1111"))


def test_idempotency_keys_are_printable_ascii() -> None:
    assert rules.valid_idempotency_key("3f1c0a9e-7b6d-4c1e-9a51-0b0b0b0b0b0b")
    assert not rules.valid_idempotency_key("")
    assert not rules.valid_idempotency_key("with space")
    assert not rules.valid_idempotency_key("キー")
    assert not rules.valid_idempotency_key("k" * 256)


SPEC = {
    "paths": {
        "/api/v1/things": {
            "get": {
                "parameters": [{"in": "query", "name": "as_of", "required": False}],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Things"}}
                        }
                    }
                },
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {"name": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "ok"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Things": {
                "type": "object",
                "required": ["items"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
                },
            },
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
        }
    },
}


def _changed(edit) -> rules.Compatibility:  # type: ignore[no-untyped-def]
    new = copy.deepcopy(SPEC)
    edit(new)
    return rules.compare_openapi(SPEC, new)


def test_an_unchanged_schema_is_compatible() -> None:
    result = rules.compare_openapi(SPEC, copy.deepcopy(SPEC))
    assert result.breaking == [] and result.additions == []


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s["paths"].pop("/api/v1/things"),
        lambda s: s["paths"]["/api/v1/things"].pop("post"),
        lambda s: s["paths"]["/api/v1/things"]["get"]["parameters"][0].update(name="date"),
        lambda s: s["components"]["schemas"]["Thing"]["properties"].pop("note"),
        lambda s: s["components"]["schemas"]["Thing"].update(required=[]),
        lambda s: s["paths"]["/api/v1/things"]["get"]["parameters"].append(
            {"in": "query", "name": "must", "required": True}
        ),
        lambda s: (
            s["paths"]["/api/v1/things"]["post"]["requestBody"]["content"]["application/json"][
                "schema"
            ]["properties"].update(extra={"type": "string"})
            or s["paths"]["/api/v1/things"]["post"]["requestBody"]["content"]["application/json"][
                "schema"
            ]["required"].append("extra")
        ),
    ],
    ids=[
        "path removed",
        "operation removed",
        "parameter renamed",
        "nested response field removed",
        "response field made optional",
        "required parameter added",
        "required input field added",
    ],
)
def test_breaking_changes_are_found(edit) -> None:  # type: ignore[no-untyped-def]
    assert _changed(edit).breaking


def test_additions_are_compatible_and_listed() -> None:
    def add(s: dict) -> None:
        s["paths"]["/api/v1/more"] = {"get": {"responses": {"200": {"description": "ok"}}}}
        s["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "string"}
        s["paths"]["/api/v1/things"]["get"]["parameters"].append(
            {"in": "query", "name": "limit", "required": False}
        )

    result = _changed(add)
    assert result.breaking == []
    assert len(result.additions) == 3
