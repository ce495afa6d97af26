"""Pure rules of the JSON API: ETags, idempotency fingerprints, opaque cursors, compatibility.

No I/O here. The web layer (``web.http``, ``web.paging``) applies these to requests; the
``api openapi`` command and the snapshot test apply :func:`compare_openapi` to two schemas.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from kaigo_kiban.core.errors import InvalidInput

IDEMPOTENCY_TTL = dt.timedelta(hours=24)
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


# --- ETag ------------------------------------------------------------------------------------


def weak_etag(body: bytes) -> str:
    """A weak validator from the response body: equal bodies, equal ETags."""
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110 §13.1.2): ``W/`` is ignored."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


# --- Idempotency -----------------------------------------------------------------------------


def valid_idempotency_key(key: str) -> bool:
    """1–255 printable ASCII characters (a UUID is the usual choice)."""
    return bool(_KEY_PATTERN.match(key))


def request_fingerprint(query: str, content_type: str, body: bytes) -> str:
    """What must be equal for a repeat to count as the same request.

    A multipart body is compared without its boundary: a client that retries the same upload
    usually draws a new boundary, which changes no content.
    """
    match = re.search(r"boundary=\"?([^\";]+)\"?", content_type or "")
    if match:
        body = body.replace(match.group(1).encode("latin-1"), b"")
        content_type = content_type[: match.start()]
    digest = hashlib.sha256()
    for part in (query.encode(), (content_type or "").encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


# --- Cursors ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def cursor_key(values: tuple[Any, ...] | list[Any]) -> list[Any]:
    """The comparable form of a sort key, as it is stored in a cursor (dates as ISO text)."""
    return [_plain(v) for v in values]


def _cursor_error() -> InvalidInput:
    return InvalidInput(
        "cursor が不正です。前のページの応答にある next_cursor をそのまま指定してください",
        code="API-CURSOR-INVALID",
    )


@dataclass(frozen=True)
class CursorCodec:
    """Opaque, tamper-proof page cursors: the sort key of the last item, encrypted.

    AES-SIV is deterministic, so the same page always yields the same cursor (and the same
    ETag), and the cursor shows nothing of the key (often a name in kana). ``scope`` (the list's
    path) is authenticated with it, so a cursor of one list is refused by another.
    """

    secret: str
    _cipher: AESSIV = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = hashlib.sha512(b"kaigo-kiban cursor\x00" + self.secret.encode()).digest()
        object.__setattr__(self, "_cipher", AESSIV(key))

    def encode(self, scope: str, key: tuple[Any, ...] | list[Any]) -> str:
        plain = json.dumps(cursor_key(key), ensure_ascii=False, separators=(",", ":"))
        sealed = self._cipher.encrypt(plain.encode(), [scope.encode()])
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()

    def decode(self, scope: str, token: str) -> list[Any]:
        if not token or len(token) > 2048 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
            raise _cursor_error()
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            value = json.loads(self._cipher.decrypt(sealed, [scope.encode()]))
        except (InvalidTag, ValueError):
            raise _cursor_error() from None
        if not isinstance(value, list):
            raise _cursor_error()
        return value


# --- OpenAPI compatibility -------------------------------------------------------------------

_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass
class Compatibility:
    """Differences between a published schema and the current one."""

    breaking: list[str] = field(default_factory=list)
    additions: list[str] = field(default_factory=list)


def _deref(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        parts = schema["$ref"].removeprefix("#/").split("/")
        node: Any = spec
        for part in parts:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}


def _shape(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The object/array view of a schema: ``$ref`` followed, ``allOf`` merged, ``X | null`` unwrapped."""
    schema = _deref(spec, schema)
    for combinator in ("anyOf", "oneOf"):
        options = [_deref(spec, s) for s in schema.get(combinator, [])]
        options = [s for s in options if s.get("type") != "null"]
        if len(options) == 1:
            return _shape(spec, options[0])
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            sub = _shape(spec, part)
            merged["properties"].update(sub.get("properties", {}))
            merged["required"] += sub.get("required", [])
            if "items" in sub:
                merged["items"] = sub["items"]
        return merged
    return schema


def _compare_schema(
    spec_old: dict[str, Any],
    spec_new: dict[str, Any],
    old: Any,
    new: Any,
    where: str,
    *,
    response: bool,
    out: Compatibility,
    depth: int = 0,
) -> None:
    if depth > 8:
        return
    o, n = _shape(spec_old, old), _shape(spec_new, new)
    o_props, n_props = o.get("properties", {}), n.get("properties", {})
    o_req, n_req = set(o.get("required", [])), set(n.get("required", []))
    for name in o_props:
        if name not in n_props:
            out.breaking.append(f"{where}: 項目 {name} が削除・改名されました")
            continue
        if response and name in o_req and name not in n_req:
            out.breaking.append(f"{where}: 応答の必須項目 {name} が任意になりました")
        _compare_schema(
            spec_old,
            spec_new,
            o_props[name],
            n_props[name],
            f"{where}.{name}",
            response=response,
            out=out,
            depth=depth + 1,
        )
    for name in n_props:
        if name in o_props:
            continue
        if not response and name in n_req:
            out.breaking.append(f"{where}: 必須の入力項目 {name} が追加されました")
        else:
            out.additions.append(f"{where}: 項目 {name} が追加されました")
    if "items" in o and "items" in n:
        _compare_schema(
            spec_old,
            spec_new,
            o["items"],
            n["items"],
            f"{where}[]",
            response=response,
            out=out,
            depth=depth + 1,
        )


def _json_schema(spec: dict[str, Any], holder: dict[str, Any] | None) -> Any:
    content = _deref(spec, holder or {}).get("content", {})
    for media, body in content.items():
        if "json" in media or media.startswith("multipart/"):
            return body.get("schema", {})
    return None


def _parameters(spec: dict[str, Any], operation: dict[str, Any]) -> dict[tuple[str, str], bool]:
    found = {}
    for p in operation.get("parameters", []):
        p = _deref(spec, p)
        found[(p.get("in", ""), p.get("name", ""))] = bool(p.get("required"))
    return found


def compare_openapi(old: dict[str, Any], new: dict[str, Any]) -> Compatibility:
    """Breaking changes (removed or renamed paths, operations, parameters, fields; new required
    inputs; response fields made optional) and additions between two OpenAPI documents."""
    out = Compatibility()
    old_paths, new_paths = old.get("paths", {}), new.get("paths", {})
    for path, old_item in old_paths.items():
        if path not in new_paths:
            out.breaking.append(f"パス {path} が削除・改名されました")
            continue
        for method in _METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_paths[path]:
                out.breaking.append(f"{where} が削除されました")
                continue
            o_op, n_op = old_item[method], new_paths[path][method]
            o_params, n_params = _parameters(old, o_op), _parameters(new, n_op)
            for key in o_params:
                if key not in n_params:
                    out.breaking.append(
                        f"{where}: パラメータ {key[1]} ({key[0]}) が削除・改名されました"
                    )
            for key, required in n_params.items():
                if key not in o_params:
                    (out.breaking if required else out.additions).append(
                        f"{where}: {'必須' if required else '任意'}パラメータ {key[1]} が追加されました"
                    )
                elif required and not o_params[key]:
                    out.breaking.append(f"{where}: パラメータ {key[1]} が必須になりました")
            o_body, n_body = (
                _json_schema(old, o_op.get("requestBody")),
                _json_schema(new, n_op.get("requestBody")),
            )
            if o_body is not None and n_body is not None:
                _compare_schema(old, new, o_body, n_body, f"{where} 入力", response=False, out=out)
            elif n_body is not None and _deref(new, n_op.get("requestBody")).get("required"):
                out.breaking.append(f"{where}: 必須の入力本文が追加されました")
            for status, o_resp in o_op.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                n_resp = n_op.get("responses", {}).get(status)
                if n_resp is None:
                    out.breaking.append(f"{where}: 応答 {status} が削除されました")
                    continue
                o_schema, n_schema = _json_schema(old, o_resp), _json_schema(new, n_resp)
                if o_schema is not None and n_schema is not None:
                    _compare_schema(
                        old,
                        new,
                        o_schema,
                        n_schema,
                        f"{where} 応答{status}",
                        response=True,
                        out=out,
                    )
        for method in _METHODS:
            if method in new_paths[path] and method not in old_item:
                out.additions.append(f"{method.upper()} {path} が追加されました")
    for path in new_paths:
        if path not in old_paths:
            out.additions.append(f"パス {path} が追加されました")
    return out
