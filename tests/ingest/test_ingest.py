"""Municipal file intake: every error found and reported, nothing half-applied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.cards import service as cards
from kaigo_kiban.cards.formats import INSURANCE_CARD
from kaigo_kiban.cards.models import CopayCard, InsuranceCard
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.core.tabular import compile_layout, iter_lines, split_csv_line
from kaigo_kiban.registry.models import InsuredPerson
from tests.factories import (
    INSURER_NO,
    card_file_name,
    card_file_text,
    copay_card_row,
    grant_for,
    ingest,
    insurance_card_row,
    make_insurer,
    write_card_file,
)


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_valid_file_is_committed_and_creates_persons(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    rows = [insurance_card_row(f"00000000{i:02d}") for i in range(1, 6)]
    report = ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    assert report.status == "committed", report.to_dict()
    assert report.rows == 5
    assert _count(db, InsuranceCard) == 5
    assert _count(db, InsuredPerson) == 5


def test_same_file_twice_changes_nothing_and_says_so(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    path = write_card_file(tmp_path, "insurance_card", [insurance_card_row()])
    assert ingest(db, path, settings).status == "committed"
    again = ingest(db, path, settings)
    assert again.status == "duplicate"
    assert _count(db, InsuranceCard) == 1


def test_file_with_one_bad_row_changes_nothing_and_reports_every_error(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    rows = [
        insurance_card_row("0000000001"),
        insurance_card_row("000000002", birth_date="20230230"),  # 9 digits and an impossible date
        insurance_card_row("00000000AB", sex="9"),
    ]
    report = ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    assert report.status == "rejected"
    found = {(e.line, e.column, e.code, e.value) for e in report.errors}
    names = INSURANCE_CARD.names
    assert (3, names.index("insured_no") + 1, "ING-DIGITS", "000000002") in found
    assert (3, names.index("birth_date") + 1, "ING-DATE", "20230230") in found
    assert (4, names.index("insured_no") + 1, "ING-DIGITS", "00000000AB") in found
    assert (4, names.index("sex") + 1, "ING-CODE", "9") in found
    assert all(e.message for e in report.errors)
    assert _count(db, InsuranceCard) == 0
    assert _count(db, InsuredPerson) == 0


def test_wrong_column_count_is_reported_with_its_line(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    path = tmp_path / card_file_name("insurance_card")
    text = card_file_text(INSURANCE_CARD, [insurance_card_row()]) + "1,2,3\r\n"
    path.write_text(text, encoding="utf-8")
    report = ingest(db, path, settings)
    assert report.status == "rejected"
    assert [(e.line, e.code, e.value) for e in report.errors] == [(3, "ING-COLUMN-COUNT", "3")]


def test_invalid_encoding_bytes_are_reported_not_raised(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    path = tmp_path / card_file_name("insurance_card")
    good = card_file_text(INSURANCE_CARD, [insurance_card_row()]).encode("cp932")
    path.write_bytes(good + b"\x81\xff\xfe,bad\r\n")
    report = ingest(db, path, settings)
    assert report.status == "rejected"
    assert report.errors[0].code == "ING-ENCODING"
    assert report.errors[0].line == 3


def test_bom_crlf_and_lf_files_are_all_accepted(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    text = card_file_text(INSURANCE_CARD, [insurance_card_row("0000000001")])
    variants = [
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.replace("\r\n", "\n").encode("utf-8").replace(b"0000000001", b"0000000002"),
        text.encode("cp932").replace(b"0000000001", b"0000000003"),
    ]
    for data in variants:
        path = tmp_path / card_file_name("insurance_card")
        path.write_bytes(data)
        assert ingest(db, path, settings).status == "committed"
    kana = db.scalars(select(InsuredPerson.name_kana)).all()
    assert kana == ["ヤマダ タロウ"] * 3


def test_jis_x_0213_names_survive_utf8_byte_exact(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    name = "𠮷田 髙﨑"
    ingest(
        db,
        write_card_file(tmp_path, "insurance_card", [insurance_card_row(name_kanji=name)]),
        settings,
    )
    person = db.scalars(select(InsuredPerson)).one()
    assert person.name_kanji.encode("utf-8") == name.encode("utf-8")


def test_duplicate_keys_within_a_file_are_rejected(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    rows = [insurance_card_row(), insurance_card_row(address="別の住所")]
    report = ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    assert report.status == "rejected"
    assert [(e.line, e.code) for e in report.errors] == [(3, "ING-DUPLICATE-KEY")]


def test_unknown_insurer_is_rejected(db: Session, tmp_path: Path, settings: Settings) -> None:
    path = write_card_file(
        tmp_path,
        "insurance_card",
        [insurance_card_row(insurer_no="271004")],
        name=card_file_name("insurance_card", "271004"),
    )
    report = ingest(db, path, settings)
    assert report.status == "rejected"
    assert report.errors[0].code == "ING-UNKNOWN-INSURER"


def test_row_insurer_must_match_file_name(db: Session, tmp_path: Path, settings: Settings) -> None:
    make_insurer(db)
    make_insurer(db, "271004", "大阪市")
    report = ingest(
        db,
        write_card_file(tmp_path, "insurance_card", [insurance_card_row(insurer_no="271004")]),
        settings,
    )
    assert [e.code for e in report.errors] == ["ING-INSURER-MISMATCH"]


def test_empty_file_is_rejected(db: Session, tmp_path: Path, settings: Settings) -> None:
    make_insurer(db)
    path = tmp_path / card_file_name("insurance_card")
    path.write_bytes(b"")
    report = ingest(db, path, settings)
    assert (report.status, report.errors[0].code) == ("rejected", "ING-EMPTY")


def test_oversized_line_is_reported_in_bounded_memory(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    path = tmp_path / card_file_name("insurance_card")
    head = card_file_text(INSURANCE_CARD, [insurance_card_row()]).encode()
    with path.open("wb") as f:
        f.write(head)
        chunk = b"x" * (1 << 20)
        for _ in range(64):  # a 64 MB line; the reader never holds more than the limit
            f.write(chunk)
        f.write(b"\r\n")
        f.write(
            card_file_text(
                INSURANCE_CARD, [insurance_card_row("0000000002")], header=False
            ).encode()
        )
    report = ingest(db, path, settings)
    assert report.status == "rejected"
    assert [(e.line, e.code) for e in report.errors] == [(3, "ING-LINE-TOO-LONG")]


def test_file_name_grammar_is_checked(db: Session, tmp_path: Path, settings: Settings) -> None:
    make_insurer(db)
    for bad in (
        "cards.csv",
        "insurance_card_13101_20261125090000.csv",
        "spaceship_131016_20261125090000.csv",
        "insurance_card_131016_20261335090000.csv",
    ):
        path = write_card_file(tmp_path, "insurance_card", [insurance_card_row()], name=bad)
        report = ingest(db, path, settings)
        assert report.status == "rejected"
        assert report.errors[0].code.startswith("ING-")


def test_jsonl_file_is_the_json_equivalent(db: Session, tmp_path: Path, settings: Settings) -> None:
    import json

    make_insurer(db)
    path = tmp_path / card_file_name("insurance_card", ext="jsonl")
    path.write_text(json.dumps(insurance_card_row(), ensure_ascii=False) + "\n", encoding="utf-8")
    assert ingest(db, path, settings).status == "committed"
    assert _count(db, InsuranceCard) == 1


def test_date_order_within_a_row_is_checked(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    row = insurance_card_row(valid_from="20250401", valid_to="20250331")
    report = ingest(db, write_card_file(tmp_path, "insurance_card", [row]), settings)
    assert [e.code for e in report.errors] == ["ING-DATE-ORDER"]


def test_copay_card_for_unknown_person_is_rejected(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    report = ingest(
        db, write_card_file(tmp_path, "copay_card", [copay_card_row("0000000999")]), settings
    )
    assert [(e.line, e.code) for e in report.errors] == [(2, "ING-UNKNOWN-PERSON")]


def test_history_number_reused_with_other_content_is_rejected(
    db: Session, tmp_path: Path, settings: Settings
) -> None:
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    report = ingest(
        db,
        write_card_file(tmp_path, "insurance_card", [insurance_card_row(care_level="22")]),
        settings,
    )
    assert [e.code for e in report.errors] == ["ING-HISTORY-EXISTS"]
    rows = [insurance_card_row(), insurance_card_row("0000000002")]
    same = ingest(db, write_card_file(tmp_path, "insurance_card", rows), settings)
    assert (
        same.status == "committed"
    )  # an identical re-sent history row inside a new file is a no-op
    assert _count(db, InsuranceCard) == 2


@hsettings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_row_decoder_raises_nothing_but_validation_errors(data: bytes) -> None:
    import io

    compiled = compile_layout(INSURANCE_CARD)
    for raw in iter_lines(io.BytesIO(data), file="x.csv", max_line_bytes=128, prefix="ING"):
        if raw.text is None:
            assert raw.problem is not None and raw.problem.code.startswith("ING-")
            continue
        cells = split_csv_line(raw.text)
        if cells is None or len(cells) != len(INSURANCE_CARD.columns):
            continue
        errors: list = []
        compiled.convert(cells, raw.number, "x.csv", errors, "ING")
        assert all(e.code.startswith("ING-") for e in errors)


def test_card_history_keeps_every_version(db: Session, tmp_path: Path, settings: Settings) -> None:
    make_insurer(db)
    first = insurance_card_row(valid_to="20250331")
    second = insurance_card_row(
        history_no="2", care_level="23", valid_from="20250401", change_kind="2", change_reason="99"
    )
    ingest(db, write_card_file(tmp_path, "insurance_card", [first, second]), settings)
    history = cards.list_card_history(
        db, grant_for(INSURER_NO, "0000000001", "insurance_card"), "insurance_card"
    )
    assert [c.history_no for c in history] == [2, 1]
    assert (
        cards.find_card_valid_on(
            db,
            grant_for(INSURER_NO, "0000000001", "insurance_card"),
            "insurance_card",
            dt.date(2025, 3, 31),
        ).care_level
        == "21"
    )
    assert (
        cards.find_card_valid_on(
            db,
            grant_for(INSURER_NO, "0000000001", "insurance_card"),
            "insurance_card",
            dt.date(2025, 4, 1),
        ).care_level
        == "23"
    )


def test_copay_card_rows_count(db: Session, tmp_path: Path, settings: Settings) -> None:
    make_insurer(db)
    ingest(db, write_card_file(tmp_path, "insurance_card", [insurance_card_row()]), settings)
    report = ingest(db, write_card_file(tmp_path, "copay_card", [copay_card_row()]), settings)
    assert report.status == "committed", report.to_dict()
    assert _count(db, CopayCard) == 1


def test_municipal_system_key_sends_a_file_over_http(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.webapp import build_app

    url = f"sqlite:///{tmp_path / 'api.db'}"
    harness = build_app(url, tmp_path)
    key = subprocess.run(
        [
            sys.executable,
            "-m",
            "kaigo_kiban.app.cli",
            "--db",
            url,
            "registry",
            "system-key",
            INSURER_NO,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.strip()
    good = write_card_file(tmp_path, "insurance_card", [insurance_card_row()])
    auth = {"Authorization": f"Bearer {key}"}
    r = harness.client.post(
        "/api/v1/municipal/files", headers=auth, files={"file": (good.name, good.read_bytes())}
    )
    assert (r.status_code, r.json()["files"][0]["status"]) == (200, "committed")
    bad = write_card_file(tmp_path, "insurance_card", [insurance_card_row(birth_date="19450231")])
    r = harness.client.post(
        "/api/v1/municipal/files", headers=auth, files={"file": (bad.name, bad.read_bytes())}
    )
    assert r.status_code == 422
    assert r.json()["files"][0]["errors"][0]["code"] == "ING-DATE"
    other = write_card_file(
        tmp_path,
        "insurance_card",
        [insurance_card_row(insurer_no="271004")],
        name=card_file_name("insurance_card", "271004"),
    )
    r = harness.client.post(
        "/api/v1/municipal/files", headers=auth, files={"file": (other.name, other.read_bytes())}
    )
    assert r.json()["files"][0]["errors"][0]["code"] == "ING-NOT-YOUR-INSURER"
