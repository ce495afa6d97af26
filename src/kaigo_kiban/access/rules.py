"""Pure access rules: who the actor is, the policy table, and the decision.

``decide`` is the whole of DOMAIN.md §4.4 as a function of facts the service gathers:

    allow = policy allows (data kind × actor group × job type)
        and (municipality of the person's insurer
             or the person themself (or an authorised proxy)
             or (consent given and an active assignment)                 # offices
             or (consent given and an open opinion request))             # medical institutions
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

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

# Service types (サービス種類コード) whose offices form the "care management" and "facility" groups.
CARE_MGMT_TYPES = frozenset(
    {"43", "46", "A9", "AF"}
)  # 居宅介護支援, 介護予防支援, 介護予防ケアマネジメント
FACILITY_TYPES = frozenset({"51", "52", "53", "54", "55", "2A"})  # 介護保険施設


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``kind`` is staff | municipality | person | operator | system."""

    kind: str
    display_name: str
    account_id: int | None = None
    organization_id: int | None = None
    organization_kind: str | None = None  # office | medical | municipality | operator
    organization_code: str | None = None
    organization_name: str | None = None
    service_types: tuple[str, ...] = ()
    job_type: str | None = None
    insurer_no: str | None = None  # municipality: its insurer; person: their own
    insured_no: str | None = None  # person: themself
    cert_serial: str | None = None
    proxy_for: str | None = None
    proxy_scope: frozenset[str] = frozenset()  # proxy: the data kinds the grant allows
    request_id: str | None = None
    is_org_admin: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def groups(self) -> tuple[str, ...]:
        """Policy groups this actor falls in (an office may provide several service types)."""
        if self.kind == "person":
            return ("person",)
        if self.organization_kind == "municipality":
            return ("municipality",)
        if self.organization_kind == "medical":
            return ("medical",)
        if self.organization_kind == "office":
            types = set(self.service_types)
            groups = []
            if types & CARE_MGMT_TYPES:
                groups.append("care_mgmt")
            if types & FACILITY_TYPES:
                groups.append("facility")
            if types - CARE_MGMT_TYPES - FACILITY_TYPES:
                groups.append("home_service")
            return tuple(groups)
        return ("operator",)


@dataclass(frozen=True)
class Facts:
    """What the service looked up about the actor's relation to the person."""

    person_exists: bool
    same_insurer: bool = False
    is_self: bool = False
    consent: str = "absent"  # given | withdrawn | absent
    assignment: str = "none"  # none | active | lapsed | ended
    opinion_request: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # stable code, recorded in the audit log
    message: str  # Japanese, shown to users when denied


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
    "PROXY-SCOPE": "代理人として、この情報を見ることは許可されていません",
    "OPERATOR": "運用担当者は個人の情報を閲覧できません",
}


def proxy_allows(actor: Actor, data_kind: str) -> bool:
    """A person acts on all their own data; a proxy (代理人) only on the kinds granted."""
    return not actor.proxy_for or data_kind in actor.proxy_scope


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
        if not proxy_allows(actor, data_kind):
            return _deny("PROXY-SCOPE")
        return Decision(True, "SELF" if not actor.proxy_for else "PROXY", "")
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
