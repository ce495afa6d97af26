"""The served OpenAPI document keeps every promise of the published v1 snapshot."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from kaigo_kiban.http.rules import compare_openapi
from tests.webapp import build_app

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi-v1.json"
REFRESH = "kaigo-kiban api openapi --out docs/openapi-v1.json"


def test_the_api_changes_only_by_addition(tmp_path: Path) -> None:
    current = build_app(f"sqlite:///{tmp_path / 'o.db'}", tmp_path).client.app.openapi()  # type: ignore[attr-defined]
    published = json.loads(SNAPSHOT.read_text("utf-8"))
    result = compare_openapi(published, current)
    assert not result.breaking, (
        "v1 の互換性を壊す変更です (削除・改名は /api/v2 で):\n" + "\n".join(result.breaking)
    )
    if result.additions:
        warnings.warn(
            f"API に {len(result.additions)} 件の追加があります。公開版を更新してください: {REFRESH}",
            stacklevel=1,
        )
        print("\n".join(result.additions))


def test_every_v1_operation_documents_its_errors_and_security(tmp_path: Path) -> None:
    spec = build_app(f"sqlite:///{tmp_path / 'o.db'}", tmp_path).client.app.openapi()  # type: ignore[attr-defined]
    error = "#/components/schemas/ErrorResponse"
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, op in item.items():
            responses = op["responses"]
            assert "content" in responses.get("422", {}), (method, path)
            assert error in json.dumps(responses.get("401", {})), (method, path)
            if path.startswith("/api/v1/auth/"):
                assert "security" not in op, (method, path)
            elif path.startswith(("/api/v1/insured/", "/api/v1/assigned-persons")):
                assert op.get("security") == [{"bearerAuth": []}], (method, path)
            if method == "get":
                assert "304" in responses, (method, path)
    assert "HTTPValidationError" not in json.dumps(spec)
