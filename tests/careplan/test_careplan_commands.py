"""The ``careplan`` Typer sub-app, driven through typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kaigo_kiban.careplan.codec.formats import build_careplan
from kaigo_kiban.careplan.codec.jsonform import to_json
from kaigo_kiban.careplan.commands import app
from tests.careplan.careplan_samples import (
    MONTH,
    RECEIVER,
    SENDER,
    TRICKY_TEXT,
    name_for,
    usage_row,
    valid_file,
)

runner = CliRunner()


def write_plan(tmp_path, *rows, name=None):
    name = name or name_for("UPPLAN")
    path = tmp_path / str(name)
    path.write_bytes(build_careplan("UPPLAN", list(rows), name).to_bytes())
    return path


def test_inspect_json_summarises_a_usage_file(tmp_path):
    path = write_plan(
        tmp_path,
        usage_row(units="163", service_count="2"),
        usage_row(insured_no="0000000002", service_date=f"{MONTH}13"),
    )
    result = runner.invoke(app, ["inspect", str(path), "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["standard_version"] == "202407"
    assert summary["record_type"] == "UPPLAN"
    assert summary["sender"] == {"office_no": SENDER, "service_type": "43"}
    assert summary["receiver"] == {"office_no": RECEIVER, "service_type": "11"}
    assert summary["created_at"] == "2025-04-25T12:00:00"
    assert summary["rows"] == 2
    assert [(p["insured_no"], p["month"], p["total_units"]) for p in summary["persons"]] == [
        ("0000000001", MONTH, 326),
        ("0000000002", MONTH, 1),
    ]
    assert summary["errors"] == []


def test_inspect_reports_the_limit_excess_when_given_a_care_level(tmp_path):
    rows = [usage_row(service_date=f"{MONTH}{d:02d}", units="1200") for d in range(1, 16)]
    path = write_plan(tmp_path, *rows)
    result = runner.invoke(
        app, ["inspect", str(path), "--json", "--care-level", "21", "--area-grade", "1"]
    )
    limit = json.loads(result.output)["persons"][0]["limit"]
    assert limit == {
        "care_level": "21",
        "benefit_limit_units": 16765,
        "excess_units": 1235,
        "excess_yen": 14079,  # 1235 x 11.40 (訪問介護, 1級地)
    }


def test_inspect_prints_japanese_by_default(tmp_path):
    path = write_plan(tmp_path, usage_row(created_on="20250230"))
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0
    assert "種別: UPPLAN" in result.output and "レコード数: 1" in result.output
    assert "CP-DATE" in result.output and "エラー 1件" in result.output


def test_validate_passes_clean_files(tmp_path):
    path = write_plan(tmp_path, usage_row())
    other = tmp_path / str(name_for("UP1KYO"))
    other.write_bytes(valid_file("UP1KYO", text=TRICKY_TEXT).to_bytes())
    result = runner.invoke(app, ["validate", str(path), str(other)])
    assert result.exit_code == 0, result.output
    assert "2ファイル: エラー 0件" in result.output


def test_validate_fails_and_prints_file_line_column_code_message_value(tmp_path):
    path = write_plan(tmp_path, usage_row(), usage_row(insured_no="123456789"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path.name}:2:3: CP-INSURED-NO 被保険者番号は10桁の数字（生活保護単独はH＋9桁）"
        "で入力してください（値: 123456789）"
    ) in result.output


def test_validate_checks_service_codes_against_the_master(tmp_path):
    path = write_plan(tmp_path, usage_row(service_code="119999"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert ":1:15: CP-SERVICE-CODE-UNKNOWN" in result.output


def test_to_json_then_from_json_restores_the_same_bytes(tmp_path):
    path = tmp_path / str(name_for("UPPLAN"))
    data = build_careplan(
        "UPPLAN", [usage_row(plan_manager_name=TRICKY_TEXT)], name_for("UPPLAN"), eol="\n"
    ).to_bytes()
    path.write_bytes(data)
    json_path = tmp_path / "plan.json"

    assert runner.invoke(app, ["to-json", str(path), "--out", str(json_path)]).exit_code == 0
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = runner.invoke(app, ["from-json", str(json_path), "--out", str(out_dir)])

    assert result.exit_code == 0, result.output
    assert (out_dir / path.name).read_bytes() == data


def test_to_json_prints_to_stdout(tmp_path):
    path = write_plan(tmp_path, usage_row())
    result = runner.invoke(app, ["to-json", str(path)])
    assert json.loads(result.output)["records"][0]["insured_no"] == "0000000001"


def test_new_builds_a_valid_file_named_by_the_grammar(tmp_path):
    draft = {
        "record_type": "UPPLAN",
        "file": {
            "target_month": MONTH,
            "sender": {"office_no": SENDER, "service_type": "43"},
            "receiver": {"office_no": RECEIVER, "service_type": "11"},
        },
        "records": [
            {k: v for k, v in usage_row(plan_manager_name="〜").items() if k != "csv_version"}
        ],
    }
    json_path = tmp_path / "draft.json"
    json_path.write_text(json.dumps(draft, ensure_ascii=False), encoding="utf-8")

    result = runner.invoke(app, ["new", str(json_path), "--out", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "out").iterdir()
    assert written.name.startswith(f"UPPLAN_{MONTH}_{SENDER}_43_{RECEIVER}_11_")
    data = written.read_bytes()
    assert data.startswith(b"202407,") and data.endswith(b"\r\n")
    assert "～".encode("cp932") in data


def test_new_refuses_a_draft_with_errors(tmp_path):
    file_meta = to_json(build_careplan("UPPLAN", [usage_row()], name_for("UPPLAN")))["file"]
    draft = {"record_type": "UPPLAN", "file": file_meta, "records": [usage_row(insured_no="1")]}
    json_path = tmp_path / "draft.json"
    json_path.write_text(json.dumps(draft), encoding="utf-8")

    result = runner.invoke(app, ["new", str(json_path), "--out", str(tmp_path / "out")])

    assert result.exit_code == 1
    assert "CP-INSURED-NO" in result.output
    assert not (tmp_path / "out").exists()
