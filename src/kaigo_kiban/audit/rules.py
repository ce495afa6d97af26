"""Pure hash-chain rules: the canonical form of an event and the verification walk."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_kind",
    "account_id",
    "actor_name",
    "organization_kind",
    "organization_code",
    "organization_name",
    "service_types",
    "job_type",
    "cert_serial",
    "proxy_for",
    "insurer_no",
    "insured_no",
    "data_kind",
    "action",
    "outcome",
    "reason",
    "request_id",
)


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event's fields."""
    canonical = json.dumps(
        {k: fields[k] for k in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True, default=str
    )
    return hashlib.sha256((prev_hash + "\n" + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    event_id: int | None
    seq: int | None
    code: str
    message: str


def verify_chain(
    chain: str, events: Iterable[Mapping[str, Any]], head: Mapping[str, Any] | None
) -> ChainProblem | None:
    """Walk one chain in ``seq`` order; return the first problem (edit, gap, reorder, tail cut)."""
    prev = GENESIS
    expected_seq = 1
    for ev in events:
        if ev["seq"] != expected_seq:
            return ChainProblem(
                chain,
                ev["id"],
                ev["seq"],
                "AUD-GAP",
                f"連番 {expected_seq} が欠けているか順序が変わっています",
            )
        if ev["prev_hash"] != prev:
            return ChainProblem(
                chain,
                ev["id"],
                ev["seq"],
                "AUD-LINK",
                "直前のイベントとのハッシュの連結が切れています",
            )
        if event_hash(prev, ev) != ev["hash"]:
            return ChainProblem(
                chain, ev["id"], ev["seq"], "AUD-EDITED", "イベントの内容が記録後に変更されています"
            )
        prev = ev["hash"]
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return ChainProblem(chain, None, None, "AUD-HEAD", "チェーンの先頭記録がありません")
        return None
    if head["seq"] != last_seq or head["last_hash"] != prev:
        return ChainProblem(
            chain,
            None,
            head["seq"],
            "AUD-TRUNCATED",
            f"末尾のイベントが削除されています (記録上の最終連番 {head['seq']}, 実在 {last_seq})",
        )
    return None


def person_actor_role(actor_kind: str, proxy_for: str | None, reason: str) -> str | None:
    """How an event by a card holder relates to the person whose record it is on: ``self``,
    ``proxy`` (their 代理人) or ``other`` (someone else's card, refused as ``NOT-SELF``);
    ``None`` for staff and systems. Shown to the person, so never "本人" for someone else."""
    if actor_kind != "person":
        return None
    if proxy_for:
        return "proxy"
    return "other" if reason == "NOT-SELF" else "self"
