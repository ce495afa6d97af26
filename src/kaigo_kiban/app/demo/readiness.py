"""Demo data of the readiness schedule (synthetic): about 40 municipalities, the demo insurer
LIVE, imported through the real CSV import."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import Session

from kaigo_kiban.accounts.rules import Actor
from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.ids import municipality_check_digit
from kaigo_kiban.readiness.formats import ReadinessRow, format_readiness
from kaigo_kiban.readiness.rules import ReadinessStatus
from kaigo_kiban.readiness.service import import_readiness
from kaigo_kiban.registry.models import Insurer, Organization


def seed_demo(
    session: Session, operator: Actor, orgs_by_code: dict[str, Organization]
) -> dict[str, int]:
    """A readiness schedule of about 40 synthetic municipalities, imported by ``operator``; the
    demo insurer (the demo's municipality in ``orgs_by_code``) is LIVE."""
    city = next(o for o in orgs_by_code.values() if o.kind == "municipality" and o.insurer_no)
    insurer = session.get(Insurer, city.insurer_no)
    name = insurer.name if insurer else city.name
    rows = _seed_readiness(session, operator, (city.insurer_no or "", name), today_jst())
    return {"readiness": rows}


# (municipality stem, prefecture code, plan) — synthetic names; codes in the unused 9xx range
# of each prefecture with a valid check digit. plan: a start date, or None for 調整中.
_DEMO_PLAN: tuple[tuple[str, int, dt.date | None], ...] = (
    ("しらかば架空市", 1, dt.date(2026, 11, 1)),
    ("みずうみ架空町", 1, dt.date(2027, 4, 1)),
    ("ゆきぐに架空村", 1, None),
    ("りんご架空市", 2, dt.date(2027, 10, 1)),
    ("さんりく架空市", 3, dt.date(2027, 7, 1)),
    ("あおば架空区", 4, dt.date(2026, 12, 1)),
    ("なまはげ架空市", 5, dt.date(2027, 4, 1)),
    ("さくらんぼ架空市", 6, dt.date(2027, 10, 1)),
    ("あいづ架空町", 7, dt.date(2028, 1, 1)),
    ("かすみ架空市", 8, dt.date(2027, 4, 1)),
    ("にっこう架空市", 9, dt.date(2027, 7, 1)),
    ("からっかぜ架空町", 10, None),
    ("むさし架空市", 11, dt.date(2027, 1, 1)),
    ("ぼうそう架空市", 12, dt.date(2027, 4, 1)),
    ("たまがわ架空市", 13, dt.date(2026, 11, 1)),
    ("すみだ架空区", 13, dt.date(2027, 4, 1)),
    ("さがみ架空市", 14, dt.date(2027, 2, 1)),
    ("ささだんご架空市", 15, dt.date(2027, 10, 1)),
    ("たてやま架空町", 16, dt.date(2027, 7, 1)),
    ("かが架空市", 17, dt.date(2027, 4, 1)),
    ("えちぜん架空町", 18, dt.date(2028, 1, 1)),
    ("ふじみ架空市", 19, dt.date(2027, 4, 1)),
    ("しなの架空市", 20, dt.date(2027, 10, 1)),
    ("ひだ架空市", 21, dt.date(2027, 7, 1)),
    ("するが架空市", 22, dt.date(2027, 1, 1)),
    ("おわり架空市", 23, dt.date(2026, 12, 1)),
    ("いせ架空市", 24, dt.date(2027, 4, 1)),
    ("おうみ架空市", 25, dt.date(2027, 10, 1)),
    ("みやこ架空市", 26, dt.date(2027, 4, 1)),
    ("なにわ架空市", 27, dt.date(2027, 2, 1)),
    ("はりま架空市", 28, dt.date(2027, 7, 1)),
    ("やまと架空町", 29, None),
    ("くまの架空町", 30, dt.date(2028, 1, 1)),
    ("さきゅう架空市", 31, dt.date(2027, 10, 1)),
    ("いずも架空市", 32, dt.date(2027, 4, 1)),
    ("せとうち架空市", 33, dt.date(2027, 7, 1)),
    ("しまなみ架空市", 34, dt.date(2027, 4, 1)),
    ("はかた架空市", 40, dt.date(2027, 1, 1)),
    ("ひのくに架空市", 43, dt.date(2027, 10, 1)),
    ("さつま架空市", 46, dt.date(2028, 7, 1)),
    ("ちゅらうみ架空村", 47, None),
)
# A 広域連合: two towns, one insurer number.
_DEMO_JOINT = (("あさひ架空町", 3, 901), ("ゆうひ架空村", 3, 902))


def _code(prefecture: int, number: int) -> str:
    first = f"{prefecture:02d}{number:03d}"
    return first + str(municipality_check_digit(first))


def _seed_readiness(
    session: Session, operator: Actor, demo_insurer: tuple[str, str], today: dt.date
) -> int:
    """A plausible schedule for about 40 synthetic municipalities; the demo insurer is LIVE.

    Dates on or before ``today`` are LIVE (they would have started), later ones SCHEDULED, so
    the demo stays consistent whenever it is built.
    """
    rows: list[ReadinessRow] = []
    for i, (name, pref, plan) in enumerate(_DEMO_PLAN, start=1):
        code = _code(pref, 900 + i)
        rows.append(_demo_row(code, name, pref, code, plan, today))
    joint_no = _code(3, 990)
    for name, pref, number in _DEMO_JOINT:
        rows.append(
            _demo_row(_code(pref, number), name, pref, joint_no, dt.date(2027, 4, 1), today)
        )
    insurer_no, insurer_name = demo_insurer
    start = min(dt.date(2026, 11, 1), today)
    rows.append(_demo_row(insurer_no, insurer_name, int(insurer_no[:2]), insurer_no, start, today))
    text = format_readiness(rows).encode("utf-8")
    report = import_readiness(
        session,
        operator,
        io.BytesIO(text),
        file_name="demo-readiness.csv",
        today=today,
        max_line_bytes=64 * 1024,
    )
    return report.rows


def _demo_row(
    code: str, name: str, pref: int, insurer_no: str, plan: dt.date | None, today: dt.date
) -> ReadinessRow:
    if plan is None:
        status = ReadinessStatus.ARRANGING
    else:
        status = ReadinessStatus.LIVE if plan <= today else ReadinessStatus.SCHEDULED
    return ReadinessRow(0, code, name, PREFECTURES[pref - 1], insurer_no, plan, status)
