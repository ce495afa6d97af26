"""The published OpenAPI of ``/api/v1``: error bodies, bearer security, ETag and idempotency.

FastAPI describes each route from its signature; this adds what every JSON route shares, so
the document matches what clients actually receive (checked by the schemathesis test):
``{"error": {"code", "message", "details"}}`` for every 4xx/5xx (FastAPI's own 422 shape is
replaced), ``ETag``/``304`` on reads, ``Idempotency-Key`` on writes, and bearer tokens.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from kaigo_kiban.http.middleware import API_PREFIX, NOT_IDEMPOTENT

_ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
_SCHEMAS = {
    "ErrorBody": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": "安定したエラーコード (一覧は docs/api.md)",
                "examples": ["ACCESS-NO-CONSENT"],
            },
            "message": {"type": "string", "description": "日本語のメッセージ (利用者向け)"},
            "details": {"description": "詳細 (ファイルの行・列ごとの誤りなど)。ない場合は null"},
        },
    },
    "ErrorResponse": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
    },
}
_ERRORS = {
    "400": "要求の誤り",
    "401": "認証が必要 (アクセストークンがない・無効・期限切れ)",
    "403": "権限がありません (拒否も監査ログに記録されます)",
    "404": "見つかりません",
    "409": "競合 (同じ Idempotency-Key の要求を処理中など)",
    "413": "送信データが大きすぎます",
    "422": "入力の誤り (項目ごとの誤りは details)",
    "503": "一時的に利用できません (監査ログを書き込めない場合など。データは返しません)",
}
_TAGS = [
    {
        "name": "認証",
        "description": "ID・パスワード・ワンタイムパスワードによるトークンの発行と失効",
    },
    {
        "name": "被保険者証等",
        "description": "被保険者証・負担割合証・負担限度額認定証・減免減額認定証",
    },
    {"name": "担当・同意", "description": "担当利用者の一覧、包括同意の代行登録"},
    {
        "name": "本人確認",
        "description": "マイナンバーカードまたは4情報による本人確認と担当事業所登録",
    },
    {"name": "市町村ファイル取込", "description": "市町村システムからのファイル送信"},
    {"name": "FHIR", "description": "FHIR R4 の参照用インタフェース (docs/fhir.md)"},
]


def _header(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _error_response(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": _ERROR}}}


def _signs_in(op: dict[str, Any]) -> bool:
    """Routes that read the caller's credential declare the Authorization header (accounts.actors)."""
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
        for p in op.get("parameters", [])
    )


def _enrich_operation(path: str, method: str, op: dict[str, Any]) -> None:
    signed_in = _signs_in(op)
    idempotent = method == "post" and signed_in and not path.startswith(NOT_IDEMPOTENT)
    responses = op.setdefault("responses", {})
    wanted = ["400", "401", "404", "422", "503"]  # 401 on public ones: wrong credentials
    if signed_in:
        wanted.append("403")
    if method in ("post", "put", "patch", "delete"):
        wanted.append("409")
    if idempotent:
        wanted.append("413")
    for status in wanted:
        current = responses.get(status)
        if current is None or "HTTPValidationError" in str(current):
            responses[status] = _error_response(_ERRORS[status])
    for status, current in responses.items():
        # A route that only described an error status answers with the shared error body.
        if status[0] in "45" and "content" not in current:
            current["content"] = _error_response("")["content"]
    params = op.setdefault("parameters", [])
    if method == "get":
        params.append(
            _header(
                "If-None-Match",
                "前回の応答の ETag。一致すれば 304 (本文なし)。閲覧は監査ログに記録されます",
                {"type": "string", "maxLength": 200},
            )
        )
        ok = responses.get("200")
        if ok is not None:
            ok.setdefault("headers", {})["ETag"] = {
                "description": "応答本文の弱い ETag",
                "schema": {"type": "string"},
            }
        responses["304"] = {"description": "変更なし (If-None-Match が一致。本文なし)"}
    if idempotent:
        params.append(
            _header(
                "Idempotency-Key",
                "再送しても二重に処理されないためのキー (24時間有効。UUID を推奨)",
                {"type": "string", "pattern": "^[!-~]{1,255}$"},
            )
        )
    if not params:
        op.pop("parameters")
    if signed_in:
        op["security"] = [{"bearerAuth": []}]


def enrich(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared parts to a FastAPI-generated OpenAPI document (in place)."""
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            if path.startswith(API_PREFIX):
                _enrich_operation(path, method, op)
            elif path.startswith("/fhir/") and path != "/fhir/metadata":
                op["security"] = [{"bearerAuth": []}]
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_SCHEMAS)
    if "schemas/HTTPValidationError'" not in str(schema["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    components.setdefault("securitySchemes", {})["bearerAuth"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /api/v1/auth/token で得たアクセストークン (60分有効)",
    }
    schema["tags"] = _TAGS
    return schema


def install(app: FastAPI) -> None:
    """Serve the enriched document at ``app.openapi_url``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = enrich(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
