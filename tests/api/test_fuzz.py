"""Schemathesis against the app's own OpenAPI, in process: every operation, a few examples each.

Signed in (the municipality, the care-management office, then the person with a card token):
no 5xx, and status, content type and body conform to the
published document. Not signed in (or with a random token): never a success, except the few
operations that are public by design.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fhir.world import build_world, person_card
from tests.webapp import person_headers

EXAMPLES = 8
PUBLIC = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/revoke"),
    ("POST", "/api/v1/portal/subsidy-estimate"),
    ("POST", "/api/v1/person/challenge"),
    ("POST", "/api/v1/person/token"),
    ("POST", "/api/v1/person/revoke"),
    ("GET", "/fhir/metadata"),
}
#: Defects found in other areas' routes and reported to their owners: a failure whose message
#: contains the key is listed as a warning instead of failing the test. Remove once fixed.
KNOWN_DEFECTS: dict[str, str] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _without_credentials(case: Any) -> None:
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.cookies = {}


def _fuzz(operation: Any, strategy: Any, examples: int, tokens: list[dict[str, str]]) -> Any:
    label = f"{operation.method.upper()} {operation.path}"
    public = (operation.method.upper(), operation.path) in PUBLIC

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        anonymous = case.call()  # a generated Authorization header, or none
        if not public:
            assert anonymous.status_code in (401, 403, 404, 405, 422), (
                f"{label}: {anonymous.status_code} without a valid token"
            )
        _without_credentials(case)
        for token in tokens:
            response = case.call(headers=token)
            case.validate_response(response, checks=CHECKS)

    return run


def test_every_operation_conforms_and_needs_a_sign_in(tmp_path: Path) -> None:
    harness = build_world(f"sqlite:///{tmp_path / 'fuzz.db'}", tmp_path)
    card = person_card(harness, tmp_path)
    tokens = [harness.headers("city"), harness.headers("cm"), person_headers(harness.client, card)]
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", harness.client.app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # The documented examples first (they reach the success paths), then generated cases.
        runs = [(strategy, 1) for strategy in schema.get_strategies_from_examples(operation)]
        runs.append((operation.as_strategy(), EXAMPLES))
        # Signing the person out would leave the later operations without a person token.
        signed_in = tokens[:2] if operation.path == "/api/v1/person/revoke" else tokens
        try:
            for strategy, examples in runs:
                _fuzz(operation, strategy, examples, signed_in)()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's first failure, then report all
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:1500]
    assert operations > 20
    for label, message in list(failures.items()):
        known = next((why for key, why in KNOWN_DEFECTS.items() if key in message), None)
        if known:
            del failures[label]
            warnings.warn(f"既知の不具合 {label}: {known}", stacklevel=1)
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
