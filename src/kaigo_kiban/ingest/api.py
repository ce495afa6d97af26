"""``POST /api/v1/municipal/files``: a municipality's system sends one file; the report comes back."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse

from kaigo_kiban.accounts.actors import CurrentActor
from kaigo_kiban.core.database import abandon
from kaigo_kiban.core.errors import PermissionDenied
from kaigo_kiban.http.deps import AppSettings, Db
from kaigo_kiban.ingest.service import FileReport, IngestRejected, ingest_file

router = APIRouter(prefix="/api/v1/municipal", tags=["市町村ファイル取込"])


def receive_upload(
    request: Request, db: Db, settings: AppSettings, actor: CurrentActor, upload: UploadFile
) -> FileReport:
    """Spool the upload to disk and ingest it for the actor's insurer; used by API and page."""
    if actor.organization_kind != "municipality" or actor.insurer_no is None:
        raise PermissionDenied(
            "市町村のアカウントだけがファイルを送信できます", code="ING-NOT-MUNICIPALITY"
        )
    name = Path(upload.filename or "upload.csv").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        try:
            return ingest_file(
                db,
                path,
                settings,
                kinds=request.app.state.ingest_kinds,
                submitted_by=actor.display_name,
                only_insurer=actor.insurer_no,
            )
        except IngestRejected as rejected:
            abandon(db)  # nothing of the file stays; its rejection report is kept
            return rejected.report


@router.post(
    "/files",
    summary="市町村ファイルの送信 (1ファイル)",
    description="ファイル名でデータ種別を判定し、全行を検証して1トランザクションで取り込みます。"
    "誤りが1件でもあれば何も変更せず、全ての誤り (行・列・コード・値) を返します。"
    "同じファイルの再送は変更なし (duplicate) です。"
    "ファイル名の規約と項目は docs/interface.md、エラーコード (`ING-…`) は docs/api.md を参照。",
    responses={
        422: {
            "description": "取込不可: 本文は同じ形式の報告 (files)。要求自体の誤りは error",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": '{"files": [...]} または {"error": {...}}',
                    }
                }
            },
        }
    },
)
def post_file(
    request: Request,
    db: Db,
    settings: AppSettings,
    actor: CurrentActor,
    file: UploadFile = File(...),
) -> JSONResponse:
    report = receive_upload(request, db, settings, actor, file)
    status = 422 if report.status == "rejected" else 200
    return JSONResponse({"files": [report.to_dict()]}, status_code=status)
