"""The municipal readiness schedule: CSV import (every error reported, nothing changed on
error), the public listing and chart data, and the questions other areas ask."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import OperatorOnly
from kaigo_kiban.core.ids import municipality_check_digit
from kaigo_kiban.readiness import service as readiness
from kaigo_kiban.readiness.models import ReadinessEntry, ReadinessImport
from kaigo_kiban.readiness.rules import ReadinessStatus
from tests.factories import PortalWorld

TODAY = dt.date(2026, 11, 25)
HEADER = "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status"


def code(first_five: str) -> str:
    return first_five + str(municipality_check_digit(first_five))


def wrong(first_five: str) -> str:
    return first_five + str((municipality_check_digit(first_five) + 1) % 10)


TOWN_A, TOWN_B, TOWN_C, TOWN_D = code("13901"), code("13902"), code("14901"), code("14902")
GOOD = "\r\n".join(
    [
        HEADER,
        f"{TOWN_A},試験市,東京都,{TOWN_A},2026-11-01,LIVE",
        f"{TOWN_B},試験区,東京都,{TOWN_B},20270401,SCHEDULED",
        f"{TOWN_C},試験町,神奈川県,149903,2027-07-01,SCHEDULED",
        f"{TOWN_D},試験村,神奈川県,149903,,ARRANGING",
        "",
    ]
)


def load(
    db: Session, world: PortalWorld, text: str, *, encoding: str = "utf-8", **kw
) -> readiness.ImportReport:  # type: ignore[no-untyped-def]
    return readiness.import_readiness(
        db,
        world.operator,
        io.BytesIO(text.encode(encoding)),
        file_name="readiness.csv",
        today=TODAY,
        max_line_bytes=4096,
        **kw,
    )


def entries(db: Session) -> dict[str, tuple[str, dt.date | None]]:
    return {
        e.municipality_code: (e.status, e.planned_start) for e in db.scalars(select(ReadinessEntry))
    }


def test_valid_file_is_imported_with_both_date_forms(db: Session, world: PortalWorld) -> None:
    report = load(db, world, "\ufeff" + GOOD)
    assert (report.rows, report.added, report.updated, report.removed) == (4, 4, 0, 0)
    assert entries(db) == {
        TOWN_A: ("LIVE", dt.date(2026, 11, 1)),
        TOWN_B: ("SCHEDULED", dt.date(2027, 4, 1)),
        TOWN_C: ("SCHEDULED", dt.date(2027, 7, 1)),
        TOWN_D: ("ARRANGING", None),
    }


def test_shift_jis_file_with_japanese_header_is_read(db: Session, world: PortalWorld) -> None:
    text = GOOD.replace(
        HEADER, "全国地方公共団体コード,市町村名,都道府県,保険者番号,開始予定日,状況"
    )
    assert load(db, world, text, encoding="cp932").rows == 4


def test_file_with_unknown_codes_and_past_dates_reports_every_error_and_changes_nothing(
    db: Session, world: PortalWorld
) -> None:
    load(db, world, GOOD)
    before = entries(db)
    imports = db.scalar(select(func.count()).select_from(ReadinessImport))
    bad = "\r\n".join(
        [
            HEADER,
            f"{wrong('13903')},誤り市,東京都,{TOWN_A},2027-04-01,SCHEDULED",  # 2: check digit
            f"{TOWN_A},試験市,東京都,{TOWN_A},2026-01-01,SCHEDULED",  # 3: past date
            f"{code('48901')[:5]}0,県外市,東京都,131016,2027-04-01,SCHEDULED",  # 4: pref 48
            f"{TOWN_B},試験区,東京都,{TOWN_B},2027-02-30,SCHEDULED",  # 5: no such day
            f"{TOWN_C},試験町,東京都,149903,2027-07-01,SCHEDULED",  # 6: wrong prefecture
            f"{TOWN_D},試験村,神奈川県,149903,,SCHEDULED",  # 7: date required
            f"{TOWN_B},重複区,東京都,{TOWN_B},2027-04-01,STARTED",  # 8: duplicate + status
            "1390,短い,東京都,1390,2027-04-01",  # 9: column count
            f"{TOWN_A},試験市,東京都,{TOWN_A},2026-11-01,LIVE",  # 10: duplicate of 3
            "",
        ]
    )
    with pytest.raises(readiness.ReadinessRejected) as caught:
        load(db, world, bad)
    found = [(e.line, e.column, e.code) for e in caught.value.errors]
    assert found == [
        (2, 1, "PTL-RDY-MUNICIPALITY-CODE"),
        (3, 5, "PTL-RDY-PAST-DATE"),
        (4, 1, "PTL-RDY-MUNICIPALITY-CODE"),
        (5, 5, "PTL-RDY-DATE"),
        (6, 3, "PTL-RDY-PREFECTURE-MISMATCH"),
        (7, 5, "PTL-RDY-DATE-REQUIRED"),
        (8, 6, "PTL-RDY-CODE"),
        (8, 1, "PTL-RDY-DUPLICATE"),
        (9, 0, "PTL-RDY-COLUMN-COUNT"),
        (10, 1, "PTL-RDY-DUPLICATE"),
    ]
    assert caught.value.code == "PTL-READINESS-REJECTED" and caught.value.http_status == 422
    assert "正しくは " + code("13903") in caught.value.errors[0].message
    assert "3 行目と重複" in caught.value.errors[-1].message
    assert entries(db) == before
    assert db.scalar(select(func.count()).select_from(ReadinessImport)) == imports


def test_wrong_header_and_empty_file_are_rejected(db: Session, world: PortalWorld) -> None:
    with pytest.raises(readiness.ReadinessRejected) as caught:
        load(db, world, GOOD.replace("planned_start", "start_date"))
    assert [(e.line, e.column, e.code) for e in caught.value.errors] == [(1, 5, "PTL-RDY-HEADER")]
    for text in ("", HEADER + "\r\n"):
        with pytest.raises(readiness.ReadinessRejected):
            load(db, world, text)


def test_file_larger_than_the_upload_limit_is_rejected_unread(
    db: Session, world: PortalWorld
) -> None:
    with pytest.raises(readiness.ReadinessRejected) as caught:
        load(db, world, GOOD, max_bytes=100)
    assert caught.value.errors[0].code == "PTL-RDY-TOO-LARGE"


def test_import_updates_listed_rows_and_replace_removes_unlisted_ones(
    db: Session, world: PortalWorld
) -> None:
    load(db, world, GOOD)
    update = f"{HEADER}\r\n{TOWN_B},試験区,東京都,{TOWN_B},2026-12-01,SCHEDULED\r\n"
    report = load(db, world, update)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert len(entries(db)) == 4 and entries(db)[TOWN_B][1] == dt.date(2026, 12, 1)
    report = load(db, world, update, replace=True)
    assert report.removed == 3 and list(entries(db)) == [TOWN_B]


def test_only_operators_import(db: Session, world: PortalWorld) -> None:
    for actor in (world.visit, world.city):
        with pytest.raises(OperatorOnly):
            readiness.import_readiness(
                db, actor, io.BytesIO(GOOD.encode()), file_name="x.csv", today=TODAY,
                max_line_bytes=4096,
            )  # fmt: skip


def test_other_areas_learn_whether_an_insurer_is_live(db: Session, world: PortalWorld) -> None:
    load(db, world, GOOD)
    assert readiness.readiness_for(db, TOWN_A) is ReadinessStatus.LIVE
    assert readiness.is_live(db, TOWN_A, TODAY)
    assert not readiness.is_live(db, TOWN_A, dt.date(2026, 10, 31))
    assert readiness.readiness_for(db, TOWN_B) is ReadinessStatus.SCHEDULED
    assert not readiness.is_live(db, TOWN_B, TODAY)
    # 149903 is a joint insurer: one member scheduled, one still arranging.
    assert readiness.readiness_for(db, "149903") is ReadinessStatus.ARRANGING
    assert readiness.readiness_for(db, "131016") is None
    assert not readiness.is_live(db, "131016", TODAY)


def test_not_live_notice_only_for_insurers_on_the_schedule_that_have_not_started(
    db: Session, world: PortalWorld
) -> None:
    load(db, world, GOOD)
    assert readiness.not_live_notice(db, TOWN_A, TODAY) is None  # live
    assert readiness.not_live_notice(db, "131016", TODAY) is None  # not on the schedule
    assert readiness.not_live_notice(db, None, TODAY) is None
    notice = readiness.not_live_notice(db, "149903", TODAY)
    assert notice is not None
    assert notice.message == "この市町村はまだ介護情報基盤への送信を開始していません"
    assert (notice.status_label, notice.planned_start) == ("調整中", None)
    assert notice.municipalities == ("試験村", "試験町")


def test_listing_filters_by_prefecture_and_month_and_summary_counts_quarters(
    db: Session, world: PortalWorld
) -> None:
    load(db, world, GOOD)
    tokyo = readiness.list_readiness(db, prefecture="東京都")
    assert [e.municipality_code for e in tokyo] == [TOWN_A, TOWN_B]
    april = readiness.list_readiness(db, month=dt.date(2027, 4, 1))
    assert [e.municipality_code for e in april] == [TOWN_B]
    everything = readiness.list_readiness(db)
    assert everything[-1].municipality_code == TOWN_D  # undated last
    summary = readiness.summarize(everything)
    assert summary.by_status == {"ARRANGING": 1, "SCHEDULED": 2, "LIVE": 1}
    assert (summary.undated, summary.after_chart, summary.total) == (1, 0, 4)
    assert [(q.short_label, q.count) for q in summary.quarters[:4]] == [
        ("26年度Q3", 1),
        ("26年度Q4", 0),
        ("27年度Q1", 1),
        ("27年度Q2", 1),
    ]
    assert readiness.schedule_months(db) == [
        dt.date(2026, 11, 1),
        dt.date(2027, 4, 1),
        dt.date(2027, 7, 1),
    ]


def test_export_reads_back_unchanged(db: Session, world: PortalWorld) -> None:
    load(db, world, GOOD)
    before = entries(db)
    exported = readiness.export_readiness(db)
    assert exported.startswith("\ufeff" + HEADER + "\r\n")
    load(db, world, exported, replace=True)
    assert entries(db) == before
