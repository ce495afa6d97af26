"""Demo data of the person portal: demo My Number cards for a few synthetic persons, one proxy
(a family member with a card of their own), and a notice. Called by ``demo.service``.

Card files are written to ``<data_dir>/demo-cards`` (0600) with an ``index.json`` the sign-in
page reads in demo mode; only synthetic persons ever get one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaigo_kiban.access import proxies
from kaigo_kiban.access import rules as access_rules
from kaigo_kiban.access import service as access
from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.app.demo import cards as demo_cards
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import service as identity
from kaigo_kiban.notices import service as notices
from kaigo_kiban.pki import rules as pki_rules
from kaigo_kiban.pki import service as pki
from kaigo_kiban.registry.models import InsuredPerson, Organization

DEMO_CARE_OFFICE = "1470000011"  # the demo's 居宅介護支援事業所 (its staff see these persons)
PROXY_NAME = "架空 みどり"
PROXY_RELATIONSHIP = "長女"


def demo_cards_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "demo-cards"


def demo_insurer(orgs_by_code: dict[str, Organization]) -> str:
    for org in orgs_by_code.values():
        if org.kind == "municipality" and org.insurer_no:
            return org.insurer_no
    raise ValueError("demo municipality missing")


def demo_persons(
    session: Session, orgs_by_code: dict[str, Organization], count: int = 5
) -> list[InsuredPerson]:
    """The persons the demo shows in the portal: consent given and assigned to the demo care
    office, in insured-number order (the same choice in every area's demo)."""
    insurer_no = demo_insurer(orgs_by_code)
    office = orgs_by_code.get(DEMO_CARE_OFFICE)
    stmt = (
        select(InsuredPerson)
        .where(InsuredPerson.insurer_no == insurer_no, InsuredPerson.disqualified_on.is_(None))
        .order_by(InsuredPerson.insured_no)
    )
    if office is not None:
        assigned = [n for i, n in access.open_assignments(session, office.id) if i == insurer_no]
        stmt = stmt.where(InsuredPerson.insured_no.in_(assigned))
    chosen = []
    for person in session.scalars(stmt):
        if access.consent_state(session, insurer_no, person.insured_no, today_jst()) == "given":
            chosen.append(person)
        if len(chosen) == count:
            break
    return chosen


def card_ids(issued: pki.IssuedCertificate, settings: Settings) -> tuple[str, str]:
    """(serial, issuer fingerprint) of a demo card, as a sign-in computes them."""
    ca_cert = pki.load_ca_certificate(demo_cards.card_ca_dir(settings))
    return pki_rules.format_serial(issued.certificate.serial_number), pki.fingerprint(ca_cert)


def _write_card(directory: Path, name: str, issued: pki.IssuedCertificate) -> None:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(identity.card_file_bytes(issued))


def seed_demo(
    session: Session,
    settings: Settings,
    orgs_by_code: dict[str, Organization],
    out_dir: Path,
    *,
    persons: int = 5,
) -> dict[str, int]:
    """Demo cards for ``persons`` persons and one proxy (counts only, for the demo console;
    who they are is in ``demo-cards/index.json`` and on the sign-in page)."""
    directory = demo_cards_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    chosen = demo_persons(session, orgs_by_code, persons)
    index: list[dict[str, str]] = []
    for person in chosen:
        issued = demo_cards.issue_demo_card(session, settings, person.insurer_no, person.insured_no)
        file = f"card-{person.insured_no}.pem"
        _write_card(directory, file, issued)
        name = person.name_kanji or person.name_kana
        index.append(
            {
                "file": file,
                "label": f"{name} さん（ご本人・被保険者番号 {person.insured_no}）",
                "kind": "person",
                "insured_no": person.insured_no,
            }
        )
    if chosen:
        principal = chosen[0]
        proxy = demo_cards.issue_proxy_card(settings, PROXY_NAME)
        serial, issuer = card_ids(proxy, settings)
        groups = [g for g in access_rules.SCOPE_GROUPS if g != "consent"]
        name = principal.name_kanji or principal.name_kana
        person_actor = Actor(
            kind="person",
            display_name=name,
            insurer_no=principal.insurer_no,
            insured_no=principal.insured_no,
            request_id="demo",
        )
        grant, _invite = proxies.grant_proxy(
            session,
            settings,
            person_actor,
            proxy_name=PROXY_NAME,
            relationship=PROXY_RELATIONSHIP,
            groups=groups,
            valid_until=today_jst() + dt.timedelta(days=365),
        )
        proxies.bind_card(session, grant, serial, issuer)
        _write_card(directory, "card-proxy.pem", proxy)
        index.append(
            {
                "file": "card-proxy.pem",
                "label": f"{PROXY_NAME} さん（{name} さんの代理人・{PROXY_RELATIONSHIP}）",
                "kind": "proxy",
                "insured_no": principal.insured_no,
            }
        )
        has_notice = notices.list_person_notices(
            session, principal.insurer_no, principal.insured_no, limit=1
        )
        office = orgs_by_code.get(DEMO_CARE_OFFICE)
        if not has_notice and office is not None:
            notices.notify_new_assignment(
                session, principal.insurer_no, principal.insured_no, office.name
            )
    (directory / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    session.flush()
    return {"demo_cards": len(index), "demo_proxies": 1 if chosen else 0}
