"""Assigned persons and consent taken on the municipality's behalf."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kaigo_kiban.access import service
from kaigo_kiban.access.models import Assignment
from kaigo_kiban.access.schemas import (
    AssignedPerson,
    AssignedPersons,
    AssignmentEnded,
    ConsentIn,
    ConsentOut,
)
from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.http.deps import AppSettings, Db, RowId
from kaigo_kiban.http.paging import Paging
from kaigo_kiban.registry.models import InsuredPerson

router = APIRouter(prefix="/api/v1", tags=["担当・同意"])


def _by_kana(row: tuple[Assignment, InsuredPerson, str, Any]) -> tuple[str, int]:
    return row[1].name_kana, row[0].id


@router.get(
    "/assigned-persons",
    response_model=AssignedPersons,
    summary="自事業所の担当利用者の一覧",
    description="本人確認のうえ担当事業所として登録した利用者のうち、登録が有効で閲覧が許可される人を"
    "カナ氏名順に返します (一覧への表示は1人ずつ監査ログに記録)。"
    "`limit` 件ずつ返し、続きがあれば `next_cursor` を次の要求の `cursor` に指定します。",
)
def assigned_persons(
    db: Db, settings: AppSettings, actor: CurrentActor, page: Paging
) -> AssignedPersons:
    rows = sorted(service.list_assigned_persons(db, settings, actor), key=_by_kana)
    shown, next_cursor = page.slice(rows, _by_kana)
    return AssignedPersons(
        items=[
            AssignedPerson(
                insurer_no=a.insurer_no,
                insured_no=a.insured_no,
                name_kanji=p.name_kanji,
                name_kana=p.name_kana,
                birth_date=p.birth_date,
                service_type=a.service_type,
                verified_by=a.verified_by,
                verified_at=a.verified_at,
                state=state,
            )
            for a, p, state, _grant in shown
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/consents",
    response_model=ConsentOut,
    status_code=201,
    summary="包括同意の代行登録 (居宅介護支援・施設)",
    description="市町村が申請時に包括同意を取得するまでの間、居宅介護支援事業所・介護保険施設が"
    "本人から得た同意を代わりに登録します。登録は監査ログに記録されます。"
    "`Idempotency-Key` ヘッダを付けると、再送しても二重に登録されません。",
)
def give_consent(body: ConsentIn, db: Db, settings: AppSettings, actor: CurrentActor) -> ConsentOut:
    consent = service.give_consent_on_behalf(
        db, settings, actor, body.insurer_no, body.insured_no, body.effective_from
    )
    return ConsentOut(
        id=consent.id,
        insurer_no=consent.insurer_no,
        insured_no=consent.insured_no,
        source=consent.source,
        effective_from=consent.effective_from,
    )


@router.post(
    "/assignments/{assignment_id}/end",
    response_model=AssignmentEnded,
    summary="担当事業所の登録を終了する (サービス提供の終了時)",
)
def end_assignment(
    assignment_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> AssignmentEnded:
    row = service.end_assignment_by_office(db, settings, actor, assignment_id)
    return AssignmentEnded(
        id=row.id, insurer_no=row.insurer_no, insured_no=row.insured_no, ended_at=row.ended_at
    )
