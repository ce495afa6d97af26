"""``/api/v1/careplan``: the care-plan mailbox over JSON. Thin: the service authorises,
audits and decides; this module parses and shapes.

Business errors come back as ``{"error": {"code", "message", "details"}}`` with stable
``CP-`` codes (``CP-FILE-REJECTED`` carries every file error in ``details``).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, UploadFile
from starlette.responses import Response

from kaigo_kiban.accounts.actors import CurrentActor, check_csrf
from kaigo_kiban.careplan import delivery, mailbox
from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan.schemas import (
    DeliveryList,
    DeliveryOut,
    SendOut,
    TransferList,
    TransferOut,
)
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.http.deps import AppSettings, Db, RowId

router = APIRouter(prefix="/api/v1/careplan", tags=["ケアプランデータ連携"])
#: Bearer-token calls pass; a browser session must echo its CSRF token.
CSRF = [Depends(check_csrf)]

MONTH = Query(None, pattern=r"^[0-9]{6}$", description="対象年月 (YYYYMM) で絞り込む")
STATUS = Query(
    None,
    pattern="^(SENT|RECEIVED|IMPORTED|SUPERSEDED|WITHDRAWN)$",
    description="SENT 送信済 / RECEIVED 受信済 / IMPORTED 取込済 / SUPERSEDED 差替済 / "
    "WITHDRAWN 取消済 で絞り込む",
)
LIMIT = Query(100, ge=1, le=500, description="最大件数 (新しい順)")


async def read_upload(upload: UploadFile, settings: Settings) -> tuple[str, bytes]:
    """The uploaded file's name and bytes (one byte over the limit is enough to refuse)."""
    data = await upload.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise ex.FileTooLarge(f"ファイルが大きすぎます（上限 {settings.upload_max_bytes} バイト）")
    return upload.filename or "", data


def attachment(file_name: str, data: bytes) -> Response:
    """The file's bytes unchanged, downloaded under its original name."""
    disposition = f"attachment; filename=\"{file_name}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(
        data,
        media_type="text/csv; charset=Shift_JIS",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@router.post(
    "/files",
    dependencies=CSRF,
    response_model=SendOut,
    status_code=201,
    summary="ケアプランファイルを送信 (送信先の事業所の受信箱へ)",
    description="ファイル名 (v4形式) の送信先事業所番号・サービス種類で送信先を決めます。"
    "送信元はログイン中の事業所であること。内容を検証し、誤りが1件でもあれば何も保存せず"
    "全ての誤り (行・列・コード・値) を返します (CP-FILE-REJECTED)。ファイル内の全ての利用者に"
    "ついて担当事業所であることを確認し記録します。同じキーの再送は前のファイルを差し替え、"
    "削除ファイルは該当ファイルを取り消します。第6表は被保険者証の要介護状態区分で"
    "区分支給限度基準額を確認し、超過単位数と金額を返します。",
    responses={
        403: {"description": "送信元が自事業所でない、または担当でない利用者を含む"},
        409: {"description": "より新しい同じキーのファイルが送信済み"},
        422: {"description": "ファイルの誤り、または送信先が未登録"},
    },
)
async def post_file(
    db: Db, settings: AppSettings, actor: CurrentActor, file: UploadFile = File(...)
) -> SendOut:
    name, data = await read_upload(file, settings)
    return SendOut.of(mailbox.send_file(db, settings, actor, data, name))


def _box(
    box: str,
) -> Callable[[Db, AppSettings, CurrentActor, str | None, str | None, int], TransferList]:
    def listing(
        db: Db,
        settings: AppSettings,
        actor: CurrentActor,
        month: str | None = MONTH,
        status: str | None = STATUS,
        limit: int = LIMIT,
    ) -> TransferList:
        views = mailbox.list_mailbox(
            db, settings, actor, box, month=month, status=status, limit=limit
        )
        return TransferList(files=[TransferOut.of(v) for v in views])

    return listing


router.get(
    "/received",
    response_model=TransferList,
    summary="受信したケアプランファイルの一覧",
    description="新しい順。開ける (担当の利用者だけを含む) ファイルは受信済になります。"
    "開けないファイルは accessible=false で、利用者の情報を含みません。",
)(_box("received"))
router.get(
    "/sent",
    response_model=TransferList,
    summary="送信したケアプランファイルの一覧",
    description="新しい順。担当でなくなった利用者を含むファイルは accessible=false です。",
)(_box("sent"))


@router.get(
    "/files/{transfer_id}",
    response_model=TransferOut,
    summary="ケアプランファイルの情報 (送信元・送信先の事業所のみ)",
)
def get_file(transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> TransferOut:
    return TransferOut.of(mailbox.open_transfer(db, settings, actor, transfer_id))


@router.get(
    "/files/{transfer_id}/content",
    summary="ケアプランファイルの内容 (送信されたバイト列そのまま)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "Shift-JIS の CSV"}},
)
def get_content(transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor) -> Response:
    name, data = mailbox.read_content(db, settings, actor, transfer_id)
    return attachment(name, data)


@router.post(
    "/files/{transfer_id}/imported",
    dependencies=CSRF,
    response_model=TransferOut,
    summary="受信したファイルを取込済にする (受信した事業所のみ)",
)
def post_imported(
    transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> TransferOut:
    return TransferOut.of(mailbox.mark_imported(db, settings, actor, transfer_id))


@router.post(
    "/files/{transfer_id}/delivered",
    dependencies=CSRF,
    response_model=DeliveryList,
    summary="居宅サービス計画書 (第1〜3表) を本人に交付したことを記録する",
    description="計画を作成して送信した居宅介護支援・介護予防支援の事業所のみ。"
    "交付した計画は本人向けの画面に表示されます。",
)
def post_delivered(
    transfer_id: RowId, db: Db, settings: AppSettings, actor: CurrentActor
) -> DeliveryList:
    records = delivery.mark_delivered(db, settings, actor, transfer_id)
    return DeliveryList(
        delivered=[
            DeliveryOut(
                insurer_no=r.insurer_no,
                insured_no=r.insured_no,
                transfer_id=r.transfer_id,
                delivered_at=r.delivered_at,
            )
            for r in records
        ]
    )
