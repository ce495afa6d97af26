"""Readiness pages: the public schedule with its chart, the CSV, and the operators' import."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, OptionalActor, check_csrf
from kaigo_kiban.accounts.rules import require_operator
from kaigo_kiban.codes.prefectures import PREFECTURES
from kaigo_kiban.core.clock import today_jst
from kaigo_kiban.core.errors import FileRejected
from kaigo_kiban.core.ids import is_insurer_no
from kaigo_kiban.core.tabular import header_line
from kaigo_kiban.http.deps import AppSettings, Db, render
from kaigo_kiban.readiness import service as readiness
from kaigo_kiban.readiness.formats import READINESS
from kaigo_kiban.readiness.rules import CHART_END, READINESS_LABELS, QuarterCount

router = APIRouter(include_in_schema=False)


def readiness_today() -> dt.date:
    """Today in Japan (what is live, which dates are past); a dependency so tests can fix it."""
    return today_jst()


Today = Annotated[dt.date, Depends(readiness_today)]

CHART = {"width": 760, "height": 320, "left": 52, "right": 12, "top": 20, "bottom": 64}


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` → the first day of that month (None when blank or malformed)."""
    try:
        return dt.date.fromisoformat(text.strip() + "-01") if text.strip() else None
    except ValueError:
        return None


def _step(top: int) -> int:
    """A round tick step giving at most five grid lines."""
    for base in (1, 2, 5):
        for power in range(7):
            step = base * 10**power
            if top <= step * 5:
                return step
    return 10**7


def bar_chart(quarters: list[QuarterCount]) -> dict[str, Any]:
    """Geometry of the bar chart (viewBox units); the template only draws it."""
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    top = max((q.count for q in quarters), default=0)
    step = _step(max(top, 1))
    y_max = max(step, math.ceil(top / step) * step)
    slot = plot_w / max(len(quarters), 1)
    bars = []
    for i, q in enumerate(quarters):
        h = plot_h * q.count / y_max
        bars.append(
            {
                "x": round(c["left"] + i * slot + slot * 0.15, 1),
                "y": round(c["top"] + plot_h - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "cx": round(c["left"] + (i + 0.5) * slot, 1),
                "q": q,
            }
        )
    ticks = [
        {"value": v, "y": round(c["top"] + plot_h - plot_h * v / y_max, 1)}
        for v in range(0, y_max + 1, step)
    ]
    return {**c, "plot_w": plot_w, "plot_h": plot_h, "bars": bars, "ticks": ticks}


@router.get("/portal/readiness")
def readiness_page(
    request: Request,
    db: Db,
    actor: OptionalActor,
    today: Today,
    prefecture: str = "",
    month: str = "",
    insurer_no: str = "",
) -> Response:
    pref = prefecture if prefecture in PREFECTURES else None
    first = parse_month(month)
    in_prefecture = readiness.list_readiness(db, prefecture=pref)
    entries = readiness.list_readiness(db, prefecture=pref, month=first) if first else in_prefecture
    summary = readiness.summarize(in_prefecture)
    lookup: dict[str, Any] | None = None
    if insurer_no.strip():
        number = insurer_no.strip()
        if not is_insurer_no(number):
            lookup = {"insurer_no": number, "error": "保険者番号は6桁の数字で入力してください"}
        else:
            status = readiness.readiness_for(db, number)
            lookup = {
                "insurer_no": number,
                "status": status,
                "label": READINESS_LABELS[status] if status else None,
                "live": readiness.is_live(db, number, today),
            }
    return render(
        request,
        "readiness/readiness.html",
        {
            "title": "市町村の開始予定",
            "entries": entries,
            "summary": summary,
            "chart": bar_chart(summary.quarters),
            "chart_end": CHART_END,
            "prefectures": PREFECTURES,
            "months": readiness.schedule_months(db),
            "prefecture": pref or "",
            "month": first.strftime("%Y-%m") if first else "",
            "labels": READINESS_LABELS,
            "lookup": lookup,
            "not_live": readiness.not_live_notice(db, lookup["insurer_no"], today)
            if lookup and "error" not in lookup
            else None,
            "operator": actor is not None and actor.organization_kind == "operator",
            "today": today,
        },
    )


@router.get("/portal/readiness.csv")
def readiness_csv(db: Db) -> Response:
    return Response(
        readiness.export_readiness(db),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="readiness.csv"'},
    )


def _import_context(db: Db, **extra: Any) -> dict[str, Any]:
    return {
        "title": "開始予定の取込",
        "layout": READINESS,
        "header": header_line(READINESS),
        "last": readiness.last_import(db),
        "labels": READINESS_LABELS,
        **extra,
    }


@router.get("/portal/readiness/import")
def import_page(request: Request, db: Db, actor: CurrentActor) -> Response:
    require_operator(actor)
    return render(request, "readiness/readiness_import.html", _import_context(db))


@router.post("/portal/readiness/import", dependencies=[Depends(check_csrf)])
def import_upload(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    today: Today,
    file: Annotated[UploadFile | None, File()] = None,
    replace: Annotated[str, Form()] = "",
) -> Response:
    require_operator(actor)
    if file is None or not file.filename:
        ctx = _import_context(db, form_error="取り込むCSVファイルを選んでください")
        return render(request, "readiness/readiness_import.html", ctx, 422)
    try:
        report = readiness.import_readiness(
            db,
            actor,
            file.file,
            file_name=file.filename,
            today=today,
            max_line_bytes=settings.ingest_max_line_bytes,
            max_bytes=settings.upload_max_bytes,
            replace=replace == "1",
        )
    except FileRejected as rejected:
        ctx = _import_context(db, rejected=rejected)
        return render(request, "readiness/readiness_import.html", ctx, 422)
    return render(request, "readiness/readiness_import.html", _import_context(db, report=report))
