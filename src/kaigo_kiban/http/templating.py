"""Jinja2 environment: one loader over ``http/templates`` and every area's ``templates/``, and
the formatting filters every page uses (和暦 dates, JST times, yen, units). It knows no area:
code names and the navigation come from the composition root (``app.navigation``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.requests import Request
from starlette.routing import Match

import kaigo_kiban
from kaigo_kiban.core.clock import age_on, to_jst, today_jst, wareki

PACKAGE_DIR = Path(kaigo_kiban.__file__).parent


def page_exists(request: Request, path: str) -> bool:
    """True when a GET route of the running app fully matches ``path``."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False


def _date(value: dt.date | dt.datetime | None, style: str = "both") -> str:
    """令和/西暦 dates: ``both`` → 令和8年11月25日 (2026-11-25); also ``wareki``, ``iso``."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = to_jst(value).date()
    if style == "wareki":
        return wareki(value)
    if style == "iso":
        return value.isoformat()
    return f"{wareki(value)} ({value.isoformat()})"


def _datetime(value: dt.datetime | None, style: str = "iso") -> str:
    """Instants in JST: ``iso`` → 2026-11-25 09:30 (JST); ``both`` adds the 和暦 date first."""
    if value is None:
        return "—"
    jst = to_jst(value)
    if style == "both":
        return f"{wareki(jst.date())} {jst:%H:%M} ({jst:%Y-%m-%d %H:%M} JST)"
    return f"{jst:%Y-%m-%d %H:%M} (JST)"


def _yen(value: int | None) -> str:
    return "—" if value is None else f"{value:,}円"


def _units(value: int | None) -> str:
    return "—" if value is None else f"{value:,} 単位"


def make_templates(
    *, filters: dict[str, Callable[..., Any]], globals: dict[str, Any]
) -> Jinja2Templates:
    """The Jinja2 environment over ``http/templates`` and every area's ``templates/``, with the
    toolkit's formatting filters plus the ``filters`` and ``globals`` the composition root adds
    (code names, the navigation)."""
    dirs = [PACKAGE_DIR / "http" / "templates"]
    dirs += sorted(p for p in PACKAGE_DIR.glob("**/templates") if p.parent.name != "http")
    templates = Jinja2Templates(directory=str(dirs[0]))
    templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
    templates.env.filters.update(date=_date, datetime=_datetime, yen=_yen, units=_units, **filters)
    templates.env.globals.update(today=today_jst, age_on=age_on, **globals)
    return templates
