"""Jinja2 environment: one loader over ``http/templates`` and every area's ``templates/``.

Also the shell's navigation table (:data:`NAV`): which menu entries each role sees. An entry
is shown only once a GET route answers its path, so an area adds its page to the menu by
adding one line here and the menu never links to a page that does not exist yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader, pass_context
from starlette.requests import Request
from starlette.routing import Match

import kaigo_kiban
from kaigo_kiban.access.rules import DATA_KINDS, policy_allows
from kaigo_kiban.accounts.rules import JOB_TYPES, Actor
from kaigo_kiban.cards.formats import CARE_LEVELS, COPAY_RATIOS, COST_CAP_STAGES, SEX
from kaigo_kiban.core.clock import age_on, to_jst, today_jst, wareki

PACKAGE_DIR = Path(kaigo_kiban.__file__).parent

ROLE_LABELS = {
    "municipality": "市町村職員",
    "care_manager": "介護支援専門員",
    "office_staff": "事業所職員",
    "medical": "医療機関",
    "operator": "運用担当",
    "person": "ご本人",
}
OFFICE_ROLES = frozenset({"care_manager", "office_staff"})


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    roles: frozenset[str]


def _nav(href: str, label: str, *roles: str | frozenset[str]) -> NavItem:
    flat: set[str] = set()
    for role in roles:
        flat |= {role} if isinstance(role, str) else set(role)
    return NavItem(href, label, frozenset(flat))


NAV: tuple[NavItem, ...] = (
    # A person's home is the portal (/me); "/" knows staff sessions only.
    _nav("/", "ホーム", frozenset(ROLE_LABELS) - {"person"}),
    _nav("/municipal/persons", "被保険者の検索", "municipality"),
    _nav("/municipal/ingest", "ファイル取込", "municipality"),
    _nav("/municipal/certifications", "認定の進捗", "municipality"),
    _nav("/municipal/opinion-requests", "主治医意見書の依頼", "municipality"),
    _nav("/municipal/plan-notices", "計画作成依頼届出の受付", "municipality"),
    _nav("/municipal/access-log", "照会の記録", "municipality"),
    _nav("/municipal/life", "LIFE の集計", "municipality"),
    _nav("/office/persons", "担当利用者", OFFICE_ROLES),
    _nav("/office/lookup", "被保険者の照会", OFFICE_ROLES),
    _nav("/office/verify", "本人確認・担当登録", OFFICE_ROLES),
    _nav("/careplan/mailbox", "ケアプラン連携", OFFICE_ROLES),
    _nav("/office/certifications", "認定の進捗", "care_manager"),
    _nav("/office/plan-notices", "計画作成依頼届出", "care_manager"),
    _nav("/clinic/requests", "意見書の作成依頼", "medical"),
    _nav("/clinic/opinions", "作成した意見書", "medical"),
    _nav("/medical/opinions", "主治医意見書", "medical"),
    _nav("/medical/patients", "患者の照会", "medical"),
    _nav("/ops/organizations", "事業所とアカウント", "operator"),
    _nav("/ops/audit", "監査ログの検証", "operator"),
    _nav("/portal/applications", "補助金の申請", OFFICE_ROLES, "medical", "operator"),
    _nav("/portal/readiness", "開始予定", OFFICE_ROLES, "medical", "municipality", "operator"),
    _nav("/portal/inquiries", "お問い合わせ", OFFICE_ROLES, "medical", "municipality", "operator"),
    _nav("/me", "わたしの情報", "person"),
    _nav("/me/access-log", "閲覧の記録", "person"),
    _nav("/me/consent", "同意の設定", "person"),
    _nav("/me/settings", "代理人とお知らせ", "person"),
    _nav("/staff", "職員の管理", "admin"),
)


def nav_role(actor: Actor | None) -> str | None:
    """The menu a signed-in actor gets; an office's care managers see more than other staff."""
    if actor is None:
        return None
    if actor.kind == "person":
        return "person"
    if actor.organization_kind == "office":
        return "care_manager" if actor.job_type == "care_manager" else "office_staff"
    if actor.organization_kind in ("municipality", "medical", "operator"):
        return actor.organization_kind
    return None


def page_exists(request: Request, path: str) -> bool:
    """True when a GET route of the running app fully matches ``path``."""
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return True
    return False


def nav_items(request: Request, actor: Actor | None) -> list[dict[str, Any]]:
    """Menu entries for the actor's role whose pages exist, marking the current one."""
    role = nav_role(actor)
    if role is None:
        return []
    here = request.url.path
    items = []
    for item in NAV:
        allowed = role in item.roles or (
            "admin" in item.roles and actor is not None and actor.is_org_admin
        )
        if not allowed or not page_exists(request, item.href):
            continue
        items.append({"href": item.href, "label": item.label, "current": False})
    # The current entry is the one with the longest href that is this page or one of its parents
    # (on /me/access-log: 閲覧の記録, not わたしの情報 at /me).
    matches = [
        i for i in items if here == i["href"] or here.startswith(i["href"].rstrip("/") + "/")
    ]
    matches = [i for i in matches if i["href"] != "/" or here == "/"]
    if matches:
        max(matches, key=lambda i: len(i["href"]))["current"] = True
    return items


def readable_kinds(actor: Actor | None) -> list[str]:
    """Japanese names of the data kinds the policy matrix lets this actor read at all.

    Assignment and consent still decide per person; this only explains the role.
    """
    if actor is None:
        return []
    return [
        label
        for kind, label in DATA_KINDS.items()
        if any(policy_allows(kind, group, actor.job_type) for group in actor.groups)
    ]


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


@pass_context
def _nav_items_in_context(context: Any) -> list[dict[str, Any]]:
    return nav_items(context["request"], context.get("actor"))


def make_templates() -> Jinja2Templates:
    dirs = [PACKAGE_DIR / "http" / "templates"]
    dirs += sorted(p for p in PACKAGE_DIR.glob("**/templates") if p.parent.name != "http")
    templates = Jinja2Templates(directory=str(dirs[0]))
    templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
    templates.env.filters.update(
        date=_date,
        datetime=_datetime,
        yen=_yen,
        units=_units,
        care_level=lambda c: CARE_LEVELS.get(c or "", "未認定") if c else "未認定",
        sex=lambda c: SEX.get(c or "", "—"),
        ratio=lambda c: COPAY_RATIOS.get(str(c), "—"),
        stage=lambda c: COST_CAP_STAGES.get(c or "", "—"),
        job_type=lambda c: JOB_TYPES.get(c or "", c or "—"),
        data_kind=lambda c: DATA_KINDS.get(c or "", c or "—"),
    )
    templates.env.globals.update(
        today=today_jst,
        age_on=age_on,
        nav_items=_nav_items_in_context,
        nav_role=nav_role,
        role_labels=ROLE_LABELS,
        readable_kinds=readable_kinds,
    )
    return templates
