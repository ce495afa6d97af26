"""JSON shapes of the care-plan mailbox API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from kaigo_kiban.careplan import exchange as ex
from kaigo_kiban.careplan.codec.layouts import LAYOUTS
from kaigo_kiban.careplan.limits import LimitResult
from kaigo_kiban.careplan.mailbox import SendResult
from kaigo_kiban.careplan.models import CareplanTransferPerson
from kaigo_kiban.core.errors import FieldError


class Party(BaseModel):
    office_no: str = Field(description="事業所番号")
    service_type: str = Field(description="サービス種類コード")
    name: str = Field(description="事業所名")


class LimitOut(BaseModel):
    """区分支給限度基準額との比較 (第6表のみ)。"""

    insurer_no: str | None = Field(None, description="保険者番号 (送信結果のみ)")
    insured_no: str | None = Field(None, description="被保険者番号 (送信結果のみ)")
    month: str | None = Field(None, description="対象年月 (YYYYMM)")
    total_units: int | None = Field(None, description="合計単位数 (限度額対象外を含む)")
    subject_units: int | None = Field(None, description="限度額の対象となる単位数")
    care_level: str | None = Field(None, description="被保険者証の要介護状態区分コード")
    benefit_limit_units: int | None = Field(None, description="区分支給限度基準額 (単位/月)")
    excess_units: int | None = Field(None, description="限度額を超える単位数")
    excess_yen: int | None = Field(None, description="超過単位数の金額 (円、概算)")
    unit_price: str | None = Field(None, description="単位数単価 (円)")
    area_grade: str | None = Field(None, description="単価に用いた級地 (1〜7, other)")
    over: bool = Field(False, description="限度額を超えているか")
    note: str | None = Field(None, description="確認できなかった理由")

    @classmethod
    def of_result(cls, r: LimitResult) -> LimitOut:
        return cls(
            insurer_no=r.insurer_no,
            insured_no=r.insured_no,
            month=r.month,
            total_units=r.total_units,
            subject_units=r.subject_units,
            care_level=r.care_level,
            benefit_limit_units=r.benefit_limit_units,
            excess_units=r.excess_units,
            excess_yen=r.excess_yen,
            unit_price=str(r.unit_price) if r.unit_price is not None else None,
            area_grade=r.area_grade,
            over=r.over,
            note=r.note,
        )

    @classmethod
    def of_row(cls, p: CareplanTransferPerson, month: str | None) -> LimitOut | None:
        if p.total_units is None:
            return None
        return cls(
            month=month,
            total_units=p.total_units,
            subject_units=p.subject_units,
            care_level=p.care_level,
            benefit_limit_units=p.benefit_limit_units,
            excess_units=p.excess_units,
            excess_yen=p.excess_yen,
            unit_price=p.unit_price,
            area_grade=p.area_grade,
            over=bool(p.excess_units),
            note=p.limit_note,
        )


class PersonOut(BaseModel):
    insurer_no: str = Field(description="保険者番号")
    insured_no: str = Field(description="被保険者番号 (生活保護単独は H＋9桁)")
    join_key: str = Field(description="結合キー: 計画作成日 (YYYYMMDD) または対象年月 (YYYYMM)")
    state: str = Field(description="ACTIVE 有効 / SUPERSEDED 差替済 / WITHDRAWN 取消済")
    limit: LimitOut | None = Field(None, description="限度額の確認 (第6表のみ)")


class DeniedOut(BaseModel):
    reason: str = Field(description="拒否の理由コード (監査ログと同じ)")
    message: str = Field(description="理由 (日本語)")


class TransferOut(BaseModel):
    """送受信したケアプランファイル 1件。"""

    id: int
    file_name: str = Field(description="送信されたときのファイル名")
    record_type: str = Field(description="ファイル種別 (UPPLAN など)")
    record_label: str = Field(description="ファイル種別の名称")
    sender: Party
    receiver: Party
    target_month: str | None = Field(None, description="ファイル名の対象年月")
    service_month: str | None = Field(None, description="一覧の絞込みに使う年月")
    file_seq: str = Field(description="ファイル連番 (作成日時 YYYYMMDDHHMMSS)")
    size: int = Field(description="バイト数")
    sha256: str = Field(description="内容の SHA-256")
    status: str = Field(description="SENT 送信済 / RECEIVED 受信済 / IMPORTED 取込済")
    status_label: str
    state: str = Field(description="ACTIVE 有効 / SUPERSEDED 差替済 / WITHDRAWN 取消済")
    state_label: str
    replaced_by_id: int | None = Field(None, description="差し替え・取り消したファイルのID")
    sent_at: dt.datetime
    received_at: dt.datetime | None = None
    imported_at: dt.datetime | None = None
    accessible: bool = Field(
        description="この事業所が開けるか。false のときは利用者の情報を返しません"
    )
    person_count: int = Field(description="ファイルに含まれる利用者の数")
    persons: list[PersonOut] = Field(default_factory=list)
    denied: list[DeniedOut] = Field(default_factory=list, description="開けない理由")

    @classmethod
    def of(cls, view: ex.TransferView) -> TransferOut:
        t = view.transfer
        persons = (
            [
                PersonOut(
                    insurer_no=p.insurer_no,
                    insured_no=p.insured_no,
                    join_key=p.join_key,
                    state=p.state,
                    limit=LimitOut.of_row(p, t.target_month),
                )
                for p in view.persons
            ]
            if view.accessible
            else []
        )
        reasons = {(d.decision.reason, d.decision.message) for d in view.denied}
        return cls(
            id=t.id,
            file_name=t.file_name,
            record_type=t.record_type,
            record_label=LAYOUTS[t.record_type].name_ja,
            sender=Party(
                office_no=t.sender_office_no,
                service_type=t.sender_service_type,
                name=view.sender_name,
            ),
            receiver=Party(
                office_no=t.receiver_office_no,
                service_type=t.receiver_service_type,
                name=view.receiver_name,
            ),
            target_month=t.target_month,
            service_month=t.service_month,
            file_seq=t.file_seq,
            size=t.size,
            sha256=t.sha256,
            status=t.status,
            status_label=ex.STATUS_LABELS[t.status],
            state=t.state,
            state_label=ex.STATE_LABELS[t.state],
            replaced_by_id=t.replaced_by_id,
            sent_at=t.sent_at,
            received_at=t.received_at,
            imported_at=t.imported_at,
            accessible=view.accessible,
            person_count=len({(p.insurer_no, p.insured_no) for p in view.persons}),
            persons=persons,
            denied=[DeniedOut(reason=r, message=m) for r, m in sorted(reasons)],
        )


class TransferList(BaseModel):
    files: list[TransferOut]


class ProblemOut(BaseModel):
    code: str
    message: str
    line: int = 0
    column: int = 0
    value: str | None = None
    field: str | None = None

    @classmethod
    def of(cls, e: FieldError) -> ProblemOut:
        return cls(
            code=e.code,
            message=e.message,
            line=e.line,
            column=e.column,
            value=e.value,
            field=e.field,
        )


class SendOut(BaseModel):
    """送信の結果。"""

    file: TransferOut
    limits: list[LimitOut] = Field(description="利用者・月ごとの限度額の確認 (第6表のみ)")
    over_limit: bool = Field(description="限度額を超える利用者がいるか")
    superseded: list[int] = Field(description="この送信で差し替えたファイルのID")
    withdrawn: list[int] = Field(description="この削除ファイルで取り消したファイルのID")
    warnings: list[ProblemOut] = Field(description="警告 (送信はしました)")

    @classmethod
    def of(cls, result: SendResult) -> SendOut:
        return cls(
            file=TransferOut.of(result.view),
            limits=[LimitOut.of_result(r) for r in result.limits],
            over_limit=bool(result.over_limit),
            superseded=result.superseded,
            withdrawn=result.withdrawn,
            warnings=[ProblemOut.of(w) for w in result.warnings],
        )


class DeliveryOut(BaseModel):
    insurer_no: str
    insured_no: str
    transfer_id: int
    delivered_at: dt.datetime


class DeliveryList(BaseModel):
    delivered: list[DeliveryOut]
