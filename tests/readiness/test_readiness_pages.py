"""Readiness pages as a browser uses them: the public schedule with its chart and the insurer
look-up, the CSV, and the operators' import."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from kaigo_kiban.core.ids import municipality_check_digit
from tests.web.html import assert_labelled, csrf_token_of

Browser = Callable[[str | None], TestClient]


def test_public_readiness_page_with_chart_table_and_insurer_lookup(browser: Browser) -> None:
    ops = browser("ops")
    page = ops.get("/portal/readiness/import")
    assert page.status_code == 200
    assert_labelled(page.text)
    a = "13901" + str(municipality_check_digit("13901"))
    b = "13902" + str(municipality_check_digit("13902"))
    csv = (
        "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status\r\n"
        f"{a},試験市,東京都,{a},2026-04-01,LIVE\r\n"
        f"{b},試験区,東京都,{b},2027-01-01,SCHEDULED\r\n"
    )
    r = ops.post(
        "/portal/readiness/import",
        data={"csrf_token": csrf_token_of(page.text)},
        files={"file": ("readiness.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "取り込みました" in r.text

    public = browser(None)
    r = public.get("/portal/readiness", params={"prefecture": "東京都", "insurer_no": b})
    assert r.status_code == 200
    assert_labelled(r.text)
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"', r.text)
    assert "2026年度 第4四半期（2027年1月〜3月）: 1市町村" in r.text
    assert "<caption>四半期ごとの送信開始市町村数</caption>" in r.text
    assert "この市町村はまだ介護情報基盤への送信を開始していません" in r.text
    month = public.get("/portal/readiness", params={"month": "2026-04"}).text
    assert "試験市" in month and "試験区" not in month
    assert public.get("/portal/readiness.csv").text.count("\r\n") >= 3


def test_readiness_import_with_errors_lists_them_and_is_for_operators_only(
    browser: Browser,
) -> None:
    ops = browser("ops")
    token = csrf_token_of(ops.get("/portal/readiness/import").text)
    csv = "municipality_code,municipality_name,prefecture,insurer_no,planned_start,status\r\n139010,誤り市,東京都,139010,2020-01-01,SCHEDULED\r\n"
    r = ops.post(
        "/portal/readiness/import",
        data={"csrf_token": token},
        files={"file": ("bad.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert "PTL-RDY-MUNICIPALITY-CODE" in r.text and "PTL-RDY-PAST-DATE" in r.text
    assert browser("helper").get("/portal/readiness/import").status_code == 403
