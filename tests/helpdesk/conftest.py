"""The portal's organisations (``world``, from ``tests.factories``) on the ``db`` fixture, and
the in-process app (``portal_app``, ``browser``, from ``tests.webapp``) for page tests."""

from __future__ import annotations

from tests.factories import world  # noqa: F401  (a fixture)
from tests.webapp import browser, portal_app  # noqa: F401  (fixtures)
