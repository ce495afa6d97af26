"""Pure access rules: who the actor is, the policy table, and the decision.

``decide`` is the whole of docs/domain.md §4.4 as a function of facts the service gathers:

    allow = policy allows (data kind × actor group × job type)
        and (municipality of the person's insurer
             or the person themself (or an authorised proxy)
             or (consent given and an active assignment)                 # offices
             or (an open opinion request, for the opinion itself)         # medical institutions
             or (consent given and an open opinion request))             #   (other kinds)

The opinion request is the legal basis of the physician's opinion, so it reaches the clinic
whether or not the person has given 包括同意; what else the clinic reads needs consent too.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.core.grants import Decision

DATA_KINDS = {
    "insurance_card": "被保険者証",
    "copay_card": "負担割合証",
    "cost_cap_cert": "負担限度額認定証",
    "reduction_cert": "減免減額認定証",
    "progress": "認定の進捗",
    "survey": "認定調査票",
    "opinion": "主治医意見書",
    "home_modification": "住宅改修費",
    "equipment_purchase": "福祉用具購入費",
    "care_plan": "ケアプラン",
    "life": "LIFE情報",
    "access_history": "閲覧履歴",
    "assignment": "担当事業所の登録",
    "consent": "同意",
}
ACTIONS = {
    "read": "閲覧",
    "search": "検索結果に表示",
    "list": "担当一覧に表示",
    "write": "登録・更新",
}
ACTOR_GROUPS = (
    "care_mgmt",
    "facility",
    "home_service",
    "medical",
    "municipality",
    "person",
    "operator",
)


@dataclass(frozen=True)
class ProxyFact:
    """The grant a proxy (代理人) acts under, as the gate sees it."""

    state: str  # active | revoked | expired (``grant_state``); revoked also when it is gone
    scope: frozenset[str] = frozenset()  # the data kinds the grant allows


@dataclass(frozen=True)
class Facts:
    """What the service looked up about the actor's relation to the person."""

    person_exists: bool
    same_insurer: bool = False
    is_self: bool = False
    consent: str = "absent"  # given | withdrawn | absent
    assignment: str = "none"  # none | active | lapsed | ended
    opinion_request: bool = False
    proxy: ProxyFact | None = None  # the actor's proxy grant, when the actor is a proxy


@cache
def policy_table() -> dict[tuple[str, str], frozenset[str] | None]:
    """(data_kind, group) → allowed job types (``None`` = any job type). Absent = denied."""
    table: dict[tuple[str, str], frozenset[str] | None] = {}
    text = resources.files("kaigo_kiban.access").joinpath("data/policy.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["allow"] != "yes":
            continue
        jobs = row["job_types"].split()
        table[(row["data_kind"], row["actor_group"])] = None if jobs == ["*"] else frozenset(jobs)
    return table


def policy_allows(data_kind: str, group: str, job_type: str | None) -> bool:
    table = policy_table()
    if (data_kind, group) not in table:
        return False
    jobs = table[(data_kind, group)]
    return jobs is None or (job_type is not None and job_type in jobs)


DENIALS = {
    "NO-PERSON": "該当する被保険者が見つかりません",
    "POLICY": "この職種・サービス種別ではこの情報を閲覧できません",
    "NO-CONSENT": "本人の同意 (包括同意) がないため閲覧できません",
    "CONSENT-WITHDRAWN": "本人が同意を撤回したため閲覧できません",
    "NO-ASSIGNMENT": "担当事業所として登録されていないため閲覧できません (本人確認と担当事業所登録が必要です)",
    "ASSIGNMENT-LAPSED": "サービス提供の実績が一定期間ないため、担当事業所の登録が失効しています",
    "ASSIGNMENT-ENDED": "担当事業所の登録は終了しています",
    "NO-OPINION-REQUEST": "保険者からの主治医意見書作成依頼がないため閲覧できません",
    "OTHER-INSURER": "他の保険者の被保険者です",
    "NOT-SELF": "ご本人の情報ではありません",
    "PROXY-SCOPE": "代理人として、この情報を見ることは許可されていません。",
    "PROXY-REVOKED": "代理人の登録は、ご本人により取り消されています。",
    "PROXY-EXPIRED": "代理人の登録の有効期限が切れています。ご本人に確認してください。",
    "OPERATOR": "運用担当者は個人の情報を閲覧できません",
}


def opinion_access_live(until: dt.date | None, closed: bool, today: dt.date) -> bool:
    """An opinion request gives access while it is open (``until`` None), then to ``until``
    inclusive once the opinion is in; a cancelled request (``closed``) never does."""
    if closed:
        return False
    return until is None or today <= until


def grant_state(revoked_at: dt.datetime | None, valid_until: dt.date, today: dt.date) -> str:
    """active | revoked | expired. The last valid day is ``valid_until`` itself."""
    if revoked_at is not None:
        return "revoked"
    if today > valid_until:
        return "expired"
    return "active"


def proxy_denial(actor: Actor, data_kind: str, proxy: ProxyFact | None) -> str | None:
    """Why a proxy (代理人) may not act on ``data_kind`` (None: the person themself, or a
    proxy whose grant is active and covers the kind)."""
    if actor.proxy_grant_id is None:
        return None
    if proxy is None or proxy.state == "revoked":
        return "PROXY-REVOKED"
    if proxy.state == "expired":
        return "PROXY-EXPIRED"
    return None if data_kind in proxy.scope else "PROXY-SCOPE"


def _deny(reason: str) -> Decision:
    return Decision(False, reason, DENIALS[reason])


def decide(actor: Actor, data_kind: str, action: str, facts: Facts) -> Decision:
    """The access decision for one actor, one person's data kind and one action."""
    if not facts.person_exists:
        return _deny("NO-PERSON")
    groups = actor.groups
    if groups == ("operator",):
        return _deny("OPERATOR")
    if not any(policy_allows(data_kind, g, actor.job_type) for g in groups):
        return _deny("POLICY")
    if groups == ("municipality",):
        return Decision(True, "MUNICIPALITY", "") if facts.same_insurer else _deny("OTHER-INSURER")
    if groups == ("person",):
        if not facts.is_self:
            return _deny("NOT-SELF")
        denial = proxy_denial(actor, data_kind, facts.proxy)
        if denial:
            return _deny(denial)
        return Decision(True, "SELF" if actor.proxy_grant_id is None else "PROXY", "")
    if groups == ("medical",) and data_kind == "opinion" and facts.opinion_request:
        return Decision(True, "OPINION-REQUEST", "")
    if facts.consent == "withdrawn":
        return _deny("CONSENT-WITHDRAWN")
    if facts.consent != "given":
        return _deny("NO-CONSENT")
    if groups == ("medical",):
        return (
            Decision(True, "OPINION-REQUEST", "")
            if facts.opinion_request
            else _deny("NO-OPINION-REQUEST")
        )
    if facts.assignment == "active":
        return Decision(True, "ASSIGNED", "")
    return _deny(
        {"none": "NO-ASSIGNMENT", "lapsed": "ASSIGNMENT-LAPSED", "ended": "ASSIGNMENT-ENDED"}[
            facts.assignment
        ]
    )


def months_between(earlier_month: str, later_month: str) -> int:
    """Whole months from ``YYYYMM`` to ``YYYYMM``."""
    return (
        (int(later_month[:4]) - int(earlier_month[:4])) * 12
        + int(later_month[4:])
        - int(earlier_month[4:])
    )


def assignment_state(
    *, ended: bool, last_evidence_month: str, current_month: str, lapse_months: int
) -> str:
    """active | lapsed | ended. ``last_evidence_month`` is the later of the verification month
    and the newest service-evidence month (YYYYMM); lapse after ``lapse_months`` months without any."""
    if ended:
        return "ended"
    if months_between(last_evidence_month, current_month) > lapse_months:
        return "lapsed"
    return "active"


# --- proxy grants (代理人) -------------------------------------------------------------------

# What a proxy (代理人) may be allowed to do, as the person sees it: groups of data kinds.
SCOPE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cards": (
        "保険証など（被保険者証・負担割合証・負担限度額認定証・減免減額認定証）",
        ("insurance_card", "copay_card", "cost_cap_cert", "reduction_cert"),
    ),
    "progress": ("要介護認定の進み具合", ("progress",)),
    "care_plan": ("ケアプラン", ("care_plan",)),
    "usage": ("住宅改修・福祉用具の利用", ("home_modification", "equipment_purchase")),
    "life": ("体の状態の記録（LIFE）", ("life",)),
    "access_history": ("だれが情報を見たかの記録", ("access_history",)),
    "consent": ("同意と担当事業所の設定", ("consent",)),
}
SCOPE_KINDS = frozenset(k for _, kinds in SCOPE_GROUPS.values() for k in kinds)

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
INVITE_LENGTH = 12
INVITE_TTL = dt.timedelta(days=14)
MAX_PROXY_YEARS = 5

PROXY_MESSAGES = {
    "PERSON-INVITE-INVALID": "招待コードが正しくないか、有効期限が切れています。ご本人に確認してください。",
    "PERSON-INVITE-USED": "この招待コードは使用済みです。ご本人に新しい招待コードを発行してもらってください。",
    "PERSON-PROXY-REVOKED": DENIALS["PROXY-REVOKED"],
    "PERSON-PROXY-EXPIRED": DENIALS["PROXY-EXPIRED"],
    "PERSON-PROXY-SCOPE": DENIALS["PROXY-SCOPE"],
    "PERSON-PROXY-ONLY-PERSON": "代理人の設定は、ご本人だけが行えます。",
}


def scope_from_groups(groups: list[str]) -> tuple[str, ...]:
    """The data kinds of the chosen groups, in a stable order."""
    kinds: list[str] = []
    for name in groups:
        for kind in SCOPE_GROUPS[name][1]:
            if kind not in kinds:
                kinds.append(kind)
    return tuple(kinds)


def groups_of_scope(scope: str) -> list[str]:
    """The groups fully covered by a stored scope (for display)."""
    kinds = set(scope.split())
    return [g for g, (_, members) in SCOPE_GROUPS.items() if set(members) <= kinds]


def normalize_invite(text: str) -> str:
    """Upper-case, without spaces or hyphens (people type codes in many ways)."""
    return re.sub(r"[\s\-ー－]", "", text).upper()


def format_invite(code: str) -> str:
    """``ABCDEFGHJKLM`` → ``ABCD-EFGH-JKLM`` (easier to read out)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
