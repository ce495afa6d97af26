"""4情報 verification against the registry: one certain match or nothing — never the wrong person."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.access.models import Assignment
from kaigo_kiban.identity import service
from kaigo_kiban.identity.models import VerificationAttempt
from kaigo_kiban.identity.rules import FourAttributes, IdentityRefused
from tests.identity.conftest import ADDRESS, INSURER_NO, PERSON_A, World, add_person

BORN = dt.date(1945, 3, 15)
TWINS_BORN = dt.date(1950, 6, 1)


def _verify(
    db: Session,
    world: World,
    name: str,
    *,
    born: dt.date = BORN,
    sex: str = "1",
    address: str = ADDRESS,
) -> Assignment:
    return service.verify_four_attributes(
        db, world.office, INSURER_NO, FourAttributes(name, born, sex, address), "43"
    )


def _refused(db: Session, world: World, name: str, **kwargs: object) -> IdentityRefused:
    with pytest.raises(IdentityRefused) as excinfo:
        _verify(db, world, name, **kwargs)  # type: ignore[arg-type]
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0
    return excinfo.value


def test_exact_four_attributes_register_the_weaker_method(db: Session, world: World) -> None:
    assignment = _verify(db, world, "山田 太郎")

    assert (assignment.insured_no, assignment.verified_by) == (PERSON_A, "FOUR_ATTRIBUTES")
    attempt = db.scalar(select(VerificationAttempt))
    assert attempt is not None
    assert (attempt.method, attempt.outcome, attempt.insured_no, attempt.candidates) == (
        "FOUR_ATTRIBUTES",
        "verified",
        PERSON_A,
        1,
    )


def test_differently_written_name_and_address_still_match(db: Session, world: World) -> None:
    assignment = _verify(db, world, "山田太郎", address="千代田区千代田１－１－１")
    assert assignment.insured_no == PERSON_A


def test_kana_name_is_compared_with_the_registry_kana(db: Session, world: World) -> None:
    assert _verify(db, world, "やまだ たろう").insured_no == PERSON_A


def test_no_match_is_refused_in_japanese(db: Session, world: World) -> None:
    refusal = _refused(db, world, "山田 太郎", address="東京都千代田区千代田一丁目1番2号")
    assert refusal.code == "IDV-4-NOT-FOUND"
    assert "一致する被保険者が見つかりません" in refusal.message
    attempt = db.scalar(select(VerificationAttempt))
    assert attempt is not None and (attempt.outcome, attempt.insured_no, attempt.candidates) == (
        "refused",
        None,
        0,
    )


def test_wrong_birth_date_or_sex_is_not_a_match(db: Session, world: World) -> None:
    assert (
        _refused(db, world, "山田 太郎", born=BORN + dt.timedelta(days=1)).code == "IDV-4-NOT-FOUND"
    )
    assert _refused(db, world, "山田 太郎", sex="2").code == "IDV-4-NOT-FOUND"


def test_twins_one_kanji_apart_each_link_to_themselves(db: Session, world: World) -> None:
    hanako = add_person(
        db, "0000000201", "鈴木 花子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2"
    )
    add_person(db, "0000000202", "鈴木 華子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2")

    assert _verify(db, world, "鈴木 花子", born=TWINS_BORN, sex="2").insured_no == hanako.insured_no


def test_twins_sharing_a_kana_reading_are_ambiguous_by_kana(db: Session, world: World) -> None:
    add_person(db, "0000000201", "鈴木 花子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2")
    add_person(db, "0000000202", "鈴木 華子", "スズキ ハナコ", birth_date=TWINS_BORN, sex="2")

    refusal = _refused(db, world, "すずき はなこ", born=TWINS_BORN, sex="2")

    assert refusal.code == "IDV-4-AMBIGUOUS"
    assert (
        refusal.message
        == "複数の候補があるため確認できません。マイナンバーカードで確認してください"
    )


def test_near_twins_one_kana_apart_each_link_to_themselves(db: Session, world: World) -> None:
    add_person(db, "0000000301", "", "タナカ ユウコ", birth_date=TWINS_BORN, sex="2")
    yuka = add_person(db, "0000000302", "", "タナカ ユウカ", birth_date=TWINS_BORN, sex="2")

    assert (
        _verify(db, world, "タナカ ユウカ", born=TWINS_BORN, sex="2").insured_no == yuka.insured_no
    )


@pytest.mark.parametrize(
    ("registered", "variant", "query"),
    [
        ("髙橋 一郎", "高橋 一郎", "高橋 一郎"),
        ("髙橋 一郎", "高橋 一郎", "髙橋 一郎"),
        ("山﨑 一郎", "山崎 一郎", "山崎 一郎"),
        ("𠮷田 一郎", "吉田 一郎", "吉田 一郎"),
        ("渡邉 一郎", "渡辺 一郎", "渡邊 一郎"),
    ],
)
def test_old_and_new_character_forms_of_two_people_are_ambiguous(
    db: Session, world: World, registered: str, variant: str, query: str
) -> None:
    add_person(db, "0000000401", registered, "イチロウ", birth_date=TWINS_BORN)
    add_person(db, "0000000402", variant, "イチロウ", birth_date=TWINS_BORN)

    assert _refused(db, world, query, born=TWINS_BORN).code == "IDV-4-AMBIGUOUS"
    attempt = db.scalar(select(VerificationAttempt))
    assert attempt is not None and (attempt.insured_no, attempt.candidates) == (None, 2)


def test_old_character_form_matches_the_only_person(db: Session, world: World) -> None:
    person = add_person(db, "0000000401", "髙橋 一郎", "タカハシ イチロウ", birth_date=TWINS_BORN)
    assert _verify(db, world, "高橋 一郎", born=TWINS_BORN).insured_no == person.insured_no


def test_similar_but_different_characters_are_not_folded(db: Session, world: World) -> None:
    add_person(db, "0000000501", "斉藤 一郎", "サイトウ イチロウ", birth_date=TWINS_BORN)
    saito = add_person(db, "0000000502", "斎藤 一郎", "サイトウ イチロウ", birth_date=TWINS_BORN)

    assert _verify(db, world, "斎藤 一郎", born=TWINS_BORN).insured_no == saito.insured_no


def test_record_without_address_makes_an_otherwise_unique_match_ambiguous(
    db: Session, world: World
) -> None:
    add_person(db, "0000000601", "中村 三郎", "ナカムラ サブロウ", birth_date=TWINS_BORN)
    add_person(
        db, "0000000602", "中村 三郎", "ナカムラ サブロウ", birth_date=TWINS_BORN, address=None
    )

    assert _refused(db, world, "中村 三郎", born=TWINS_BORN).code == "IDV-4-AMBIGUOUS"


def test_record_without_address_alone_cannot_be_verified(db: Session, world: World) -> None:
    add_person(
        db, "0000000602", "中村 三郎", "ナカムラ サブロウ", birth_date=TWINS_BORN, address=None
    )
    assert _refused(db, world, "中村 三郎", born=TWINS_BORN).code == "IDV-4-INCOMPLETE"


def test_disqualified_person_is_not_registered(db: Session, world: World) -> None:
    add_person(
        db,
        "0000000701",
        "小林 四郎",
        "コバヤシ シロウ",
        birth_date=TWINS_BORN,
        disqualified_on=dt.date(2020, 1, 1),
    )
    assert _refused(db, world, "小林 四郎", born=TWINS_BORN).code == "IDV-PERSON-DISQUALIFIED"


def test_other_insurers_persons_are_not_candidates(db: Session, world: World) -> None:
    with pytest.raises(IdentityRefused) as refusal:
        service.verify_four_attributes(
            db, world.office, "131024", FourAttributes("山田 太郎", BORN, "1", ADDRESS), "43"
        )
    assert refusal.value.code == "IDV-4-NOT-FOUND"
