"""The shell's navigation (which menu entries each role sees) and the code names pages show.

An entry is shown only once a GET route answers its path, so an area adds its page to the menu
by adding one line here and the menu never links to a page that does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from starlette.requests import Request

from kaigo_kiban.access.rules import DATA_KINDS, policy_allows
from kaigo_kiban.accounts.rules import JOB_TYPES, Actor
from kaigo_kiban.cards.formats import CARE_LEVELS, COPAY_RATIOS, COST_CAP_STAGES, SEX
from kaigo_kiban.http.templating import page_exists

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
    _nav("/municipal/renewals", "更新申請の時期の方", "municipality"),
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


@pass_context
def _nav_items_in_context(context: Any) -> list[dict[str, Any]]:
    return nav_items(context["request"], context.get("actor"))


def template_filters() -> dict[str, Any]:
    """Code names for the pages (care levels, copay ratios, job types, data kinds …)."""
    return {
        "care_level": lambda c: CARE_LEVELS.get(c or "", "未認定") if c else "未認定",
        "sex": lambda c: SEX.get(c or "", "—"),
        "ratio": lambda c: COPAY_RATIOS.get(str(c), "—"),
        "stage": lambda c: COST_CAP_STAGES.get(c or "", "—"),
        "job_type": lambda c: JOB_TYPES.get(c or "", c or "—"),
        "data_kind": lambda c: DATA_KINDS.get(c or "", c or "—"),
    }


def template_globals() -> dict[str, Any]:
    """The navigation for the layout template."""
    return {
        "nav_items": _nav_items_in_context,
        "nav_role": nav_role,
        "role_labels": ROLE_LABELS,
        "readable_kinds": readable_kinds,
    }
