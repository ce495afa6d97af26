"""docs/api.md lists every stable error code found in the source."""

from __future__ import annotations

from pathlib import Path

from kaigo_kiban.app import errorcodes

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_error_code_in_the_source_is_documented() -> None:
    found = errorcodes.scan()
    missing = sorted(set(found) - errorcodes.documented_codes(DOC.read_text("utf-8")))
    assert not missing, (
        f"docs/api.md にないエラーコード: {missing}\n"
        "更新: kaigo-kiban api error-codes --write docs/api.md"
    )


def test_the_scan_finds_codes_of_every_kind(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "errors.py").write_text(
        "class KibanError(Exception):\n    http_status = 400\n"
        "class Gone(KibanError):\n    http_status = 410\n"
        "class Late(Gone):\n    code = 'XX-LATE'\n",
        encoding="utf-8",
    )
    (package / "use.py").write_text(
        "MSG = 'もう遅いです'\n"
        "def f(reason):\n"
        "    raise Gone('ありません', code='XX-GONE')\n"
        "def g():\n    raise Late(MSG)\n"
        "def h(reason):\n    raise Gone('x', code=f'XX-{reason}')\n"
        "ROW = FieldError(code='XX-ROW', message='行の誤り')\n"
        "BODY = {'code': 'XX-BODY', 'message': 'm'}\n"
        "NOT_A_CODE = {'code': 'rest'}\n",
        encoding="utf-8",
    )
    found = errorcodes.scan(package)
    assert set(found) == {"XX-LATE", "XX-GONE", "XX-*", "XX-ROW", "XX-BODY"}
    assert found["XX-GONE"].statuses == {410}
    assert found["XX-LATE"].statuses == {410} and found["XX-LATE"].message == "もう遅いです"
    assert found["XX-ROW"].in_details
    table = errorcodes.markdown_table(found)
    assert errorcodes.documented_codes(table) == set(found)
