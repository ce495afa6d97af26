"""How an event by a card holder is shown to the person whose record it is on."""

from __future__ import annotations

import pytest

from kaigo_kiban.audit.rules import person_actor_role


@pytest.mark.parametrize(
    ("actor_kind", "proxy_for", "reason", "role"),
    [
        ("person", None, "SELF", "self"),
        ("person", "proxy:3 試験 花子", "PROXY", "proxy"),
        ("person", "proxy:3 試験 花子", "PROXY-SCOPE", "proxy"),
        ("person", None, "NOT-SELF", "other"),  # someone else's card: never "本人"
        ("staff", None, "ASSIGNED", None),
        ("municipality", None, "MUNICIPALITY", None),
    ],
)
def test_role(actor_kind: str, proxy_for: str | None, reason: str, role: str | None) -> None:
    assert person_actor_role(actor_kind, proxy_for, reason) == role
