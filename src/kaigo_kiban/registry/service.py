"""Registry use cases: insurers, municipalities and the insured persons of an insurer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kaigo_kiban.core.clock import utcnow
from kaigo_kiban.core.errors import InvalidInput, NotFound
from kaigo_kiban.core.ids import is_insured_no, is_insurer_no, is_municipality_code
from kaigo_kiban.registry.models import (
    InsuredPerson,
    Insurer,
    Municipality,
    OfficeService,
    Organization,
)


def service_types(session: Session, organization_id: int) -> tuple[str, ...]:
    """The サービス種類コード an organisation provides, sorted (what its actors carry)."""
    return tuple(
        sorted(
            session.scalars(
                select(OfficeService.service_type).where(
                    OfficeService.organization_id == organization_id
                )
            )
        )
    )


def organization_actor_fields(session: Session, org: Organization) -> dict[str, Any]:
    """The ``Actor`` fields that say which organisation acts: id, kind, number, name and the
    service types (one mapping for staff, system, webhook and demo actors alike)."""
    return {
        "organization_id": org.id,
        "organization_kind": org.kind,
        "organization_code": org.code,
        "organization_name": org.name,
        "service_types": service_types(session, org.id),
    }


def upsert_insurer(session: Session, insurer_no: str, name: str, area_grade: str = "99") -> Insurer:
    """Register an insurer, or rename an existing one."""
    if not is_insurer_no(insurer_no):
        raise InvalidInput(
            "保険者番号は6桁の数字で、先頭2桁が都道府県番号 (01〜47) である必要があります",
            code="REG-INSURER-NO",
            details={"value": insurer_no},
        )
    insurer = session.get(Insurer, insurer_no)
    if insurer is None:
        insurer = Insurer(
            insurer_no=insurer_no,
            name=name,
            prefecture_code=insurer_no[:2],
            area_grade=area_grade,
            created_at=utcnow(),
        )
        session.add(insurer)
    else:
        insurer.name = name
        insurer.area_grade = area_grade
    session.flush()
    return insurer


def get_insurer(session: Session, insurer_no: str) -> Insurer:
    insurer = session.get(Insurer, insurer_no)
    if insurer is None:
        raise NotFound("保険者が見つかりません", code="REG-INSURER-NOT-FOUND")
    return insurer


def list_insurers(session: Session) -> Sequence[Insurer]:
    return session.scalars(select(Insurer).order_by(Insurer.insurer_no)).all()


def find_person(session: Session, insurer_no: str, insured_no: str) -> InsuredPerson | None:
    return session.get(InsuredPerson, (insurer_no, insured_no))


def get_person(session: Session, insurer_no: str, insured_no: str) -> InsuredPerson:
    if not is_insured_no(insured_no):
        raise InvalidInput(
            "被保険者番号は10桁の数字です", code="REG-INSURED-NO", details={"value": insured_no}
        )
    person = find_person(session, insurer_no, insured_no)
    if person is None:
        raise NotFound("被保険者が見つかりません", code="REG-PERSON-NOT-FOUND")
    return person


def search_persons(
    session: Session, insurer_no: str, query: str, limit: int = 50
) -> Sequence[InsuredPerson]:
    """Persons of one insurer whose number starts with, or kana/kanji name contains, ``query``."""
    query = query.strip().replace(" ", "").replace("\u3000", "")
    stmt = select(InsuredPerson).where(InsuredPerson.insurer_no == insurer_no)
    if query:
        if query.isdigit():
            stmt = stmt.where(InsuredPerson.insured_no.startswith(query))
        else:
            stmt = stmt.where(
                or_(
                    InsuredPerson.name_kana.contains(query),
                    InsuredPerson.name_kanji.contains(query),
                )
            )
    return session.scalars(stmt.order_by(InsuredPerson.insured_no).limit(limit)).all()


def municipal_organization(session: Session, insurer_no: str) -> Organization:
    """The municipality organisation of an insurer (created on first use)."""
    insurer = get_insurer(session, insurer_no)
    org = session.scalar(
        select(Organization).where(
            Organization.kind == "municipality", Organization.code == insurer_no
        )
    )
    if org is None:
        org = Organization(
            kind="municipality",
            code=insurer_no,
            name=insurer.name,
            prefecture_code=insurer.prefecture_code,
            insurer_no=insurer_no,
            created_at=utcnow(),
        )
        session.add(org)
        session.flush()
    return org


def add_municipality(
    session: Session, municipality_code: str, insurer_no: str, name: str, prefecture_name: str
) -> Municipality:
    """Register a 市町村 (全国地方公共団体コード, check digit verified) covered by an insurer."""
    if not is_municipality_code(municipality_code):
        raise InvalidInput(
            "市町村コードは検査数字を含む6桁の全国地方公共団体コードです",
            code="REG-MUNICIPALITY-CODE",
            details={"value": municipality_code},
        )
    get_insurer(session, insurer_no)
    row = session.get(Municipality, municipality_code)
    if row is None:
        row = Municipality(
            municipality_code=municipality_code,
            insurer_no=insurer_no,
            name=name,
            prefecture_name=prefecture_name,
        )
        session.add(row)
    else:
        row.insurer_no, row.name, row.prefecture_name = insurer_no, name, prefecture_name
    session.flush()
    return row
