"""`kaigo-kiban subsidies subsidy-estimate` (formerly `kaigo-kiban portal …`) through Typer's
CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kaigo_kiban.app.cli import app as cli
from kaigo_kiban.subsidies.commands import app

runner = CliRunner()


def run(tmp_path, payload, *args):
    path = tmp_path / "input.json"
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return runner.invoke(app, ["subsidy-estimate", str(path), *args])


def test_office_estimate_as_json(tmp_path):
    payload = {
        "applicant": "office",
        "service_types": ["11", "51"],
        "items": [
            {"kind": "card_reader", "quantity": 6, "amount_yen": 60_000},
            {"kind": "connection_support", "quantity": 1, "amount_yen": 80_000},
        ],
    }
    result = run(tmp_path, payload, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"eligible_cost_yen", "cap_yen", "grant_yen", "reasons"}
    assert (out["eligible_cost_yen"], out["cap_yen"], out["grant_yen"]) == (
        130_000,
        119_000,
        119_000,
    )
    assert [r["code"] for r in out["reasons"]] == ["PT-READER-LIMIT", "PT-CAP-APPLIED"]


def test_medical_estimate_as_text(tmp_path):
    payload = {
        "applicant": "medical",
        "beds": 0,
        "items": [{"kind": "opinion_sending", "amount_yen": 400_000}],
    }
    result = run(tmp_path, payload)
    assert result.exit_code == 0, result.output
    assert "補助金額:     300,000円" in result.stdout
    assert "PT-RATE-APPLIED" in result.stdout


def test_quantity_defaults_to_one(tmp_path):
    payload = {
        "applicant": "office",
        "service_types": ["43"],
        "items": [{"kind": "card_reader", "amount_yen": 4_000}],
    }
    out = json.loads(run(tmp_path, payload, "--json").stdout)
    assert out["grant_yen"] == 4_000
    assert out["reasons"] == []


@pytest.mark.parametrize(
    ("payload", "mentions"),
    [
        (
            {
                "applicant": "office",
                "service_types": ["11"],
                "items": [{"kind": "card_reader", "amount_yen": -5}],
            },
            ["items[0].amount_yen", "-5"],
        ),
        (
            {
                "applicant": "office",
                "service_types": ["11"],
                "items": [{"kind": "card_reader", "amount_yen": "500"}],
            },
            ["items[0].amount_yen", "'500'", "整数"],
        ),
        (
            {
                "applicant": "office",
                "service_types": ["11"],
                "items": [{"kind": "card_reader", "quantity": 0, "amount_yen": 5}],
            },
            ["items[0].quantity", "0"],
        ),
        (
            {
                "applicant": "office",
                "service_types": ["11"],
                "items": [{"kind": "fax", "amount_yen": 5}],
            },
            ["items[0].kind", "'fax'"],
        ),
        ({"applicant": "clinic", "items": []}, ["applicant", "'clinic'"]),
        ({"applicant": "office", "service_types": ["99"], "items": []}, ["service_types[0]", "99"]),
        ({"applicant": "office", "items": []}, ["service_types"]),
        ({"applicant": "medical", "items": []}, ["beds"]),
        ({"applicant": "medical", "beds": -1, "items": []}, ["beds", "-1"]),
        ({"applicant": "office", "service_types": ["11"], "color": "red"}, ["color", "未知"]),
        ({"service_types": ["11"]}, ["applicant", "必須"]),
        ("{not json", ["JSON"]),
    ],
)
def test_invalid_input_names_field_and_value_and_exits_2(tmp_path, payload, mentions):
    result = run(tmp_path, payload, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "エラー" in result.stderr
    for text in mentions:
        assert text in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["subsidy-estimate", str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "absent.json" in result.stderr


@pytest.mark.parametrize("group", ["subsidies", "portal"])
def test_the_command_line_mounts_the_estimate_under_subsidies_and_its_former_name(tmp_path, group):
    path = tmp_path / "input.json"
    payload = {
        "applicant": "medical",
        "beds": 0,
        "items": [{"kind": "opinion_sending", "amount_yen": 100_000}],
    }
    path.write_text(json.dumps(payload), encoding="utf-8")
    result = runner.invoke(cli, [group, "subsidy-estimate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["grant_yen"] == 75_000
