"""FHIR R4 façade (read-only) over the areas, behind the same gate and audit."""
