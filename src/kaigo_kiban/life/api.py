"""LIFE over JSON: offices send files; readers get a person's trend; municipalities get the
suppressed aggregates (thin)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.core.errors import InvalidInput
from kaigo_kiban.http.deps import AppSettings, Db
from kaigo_kiban.life import service, trends

router = APIRouter(prefix="/api/v1", tags=["LIFE"])


@router.post(
    "/life/files",
    summary="LIFE CSV ファイルの送信 (事業所)",
    description="1行目にインタフェースID (SERVICE_USER_INFO / FORM_0000_2021)、2行目に列名、"
    "3行目以降にデータの LIFE CSV を受け付けます。全行を検証し、誤りが1件でもあれば何も変更せず、"
    "行・列・コード付きの誤りを返します (422)。care_facility_id は送信する事業所の番号に限ります。",
    responses={
        422: {"description": "取込不可 (details に誤りの一覧)"},
        403: {"description": "同意・担当事業所の登録がない利用者を含む"},
    },
)
async def post_life_file(
    db: Db, settings: AppSettings, actor: CurrentActor, file: UploadFile = File(...)
) -> JSONResponse:
    service.require_office(actor)
    data = await file.read(settings.upload_max_bytes + 1)
    report = service.ingest_life_file(db, settings, actor, data, file.filename or "life.csv")
    return JSONResponse({"files": [report.to_dict()]})


class TrendPoint(BaseModel):
    evaluate_date: dt.date
    office_name: str
    barthel_total: int | None = Field(None, description="Barthel Index (0〜100)")
    dbd13_total: int | None = Field(None, description="DBD13 (0〜52)")
    vitality_total: int | None = Field(None, description="Vitality Index (0〜10)")
    weight_kg: float | None = None
    height_cm: float | None = None


class TrendResponse(BaseModel):
    insurer_no: str
    insured_no: str
    assessments: list[TrendPoint]


@router.get(
    "/insured/{insured_no}/life",
    response_model=TrendResponse,
    summary="利用者の LIFE 情報の推移 (担当事業所)",
)
def get_trend(
    insured_no: str,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    insurer_no: str | None = None,
) -> TrendResponse:
    insurer = insurer_no or actor.insurer_no
    if insurer is None:
        raise InvalidInput(
            "保険者番号 (insurer_no) を指定してください", code="LIFE-INSURER-REQUIRED"
        )
    trend = trends.person_trend(db, settings, actor, insurer, insured_no)
    return TrendResponse(
        insurer_no=insurer,
        insured_no=insured_no,
        assessments=[TrendPoint(**vars(r)) for r in trend.rows],
    )


@router.get(
    "/municipal/life/aggregates",
    summary="LIFE 情報の集計 (市町村; 10人未満のセルは伏せ字)",
)
def get_aggregates(db: Db, actor: CurrentActor, months: int = 6) -> dict[str, object]:
    agg = service.municipal_aggregates(db, actor, months=max(1, min(months, 24)))
    t = agg.table
    return {
        "insurer_no": agg.insurer_no,
        "period_from": agg.period_from.isoformat(),
        "period_to": agg.period_to.isoformat(),
        "min_cell": agg.min_cell,
        "columns": list(t.columns),
        "rows": [
            {
                "care_level": label,
                "counts": [None if c.suppressed else c.count for c in t.cells[i]],
                "total": None if t.row_totals[i].suppressed else t.row_totals[i].count,
            }
            for i, label in enumerate(t.rows)
        ],
        "total": None if t.total.suppressed else t.total.count,
    }
