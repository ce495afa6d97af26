"""Validate emitted resources with ``fhir.resources`` (R4B models: the resources used here have
the same structure in R4 4.0.1; unknown elements are rejected)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """Raise if ``resource`` (and every resource in a Bundle) is not a valid FHIR resource."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []) if resource["resourceType"] == "Bundle" else []:
        valid(entry["resource"])
    return resource
