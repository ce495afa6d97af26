"""The structure as the contracts state it: the tiers page, every area and every rules module
covered, and the area-boundary contract able to fail (checked on a package built here)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

from tools import import_contracts, tiers

SRC = Path(__file__).resolve().parent.parent / "src" / "kaigo_kiban"


def _contract(name: str) -> dict[str, str]:
    return dict(tiers.read_contracts()[f"importlinter:contract:{name}"])


def _listed(value: str) -> set[str]:
    return {line.strip() for line in value.splitlines() if line.strip()}


def test_tiers_page_is_the_layers_contract() -> None:
    assert tiers.current_block() == tiers.render(), "run: python -m tools.tiers"


def test_every_package_has_a_floor() -> None:
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    on_floors = {name for names, _ in tiers.floors() for name in names}
    assert packages - on_floors == set()
    assert on_floors - packages == set()


def test_every_rules_module_is_in_the_pure_contract() -> None:
    rules = {
        "kaigo_kiban." + ".".join(p.relative_to(SRC).with_suffix("").parts)
        for p in SRC.rglob("rules.py")
    }
    pure = _listed(_contract("rules-are-pure")["source_modules"])
    assert rules - pure == set()


def _package(tmp_path: Path, files: dict[str, str]) -> grimp.ImportGraph:
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return grimp.build_graph("fakeroot", cache_dir=None)


@pytest.fixture
def fake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m == "fakeroot" or m.startswith("fakeroot.")]:
        del sys.modules[name]


BASE_FILES = {
    "fakeroot/__init__.py": "",
    "fakeroot/core/__init__.py": "",
    "fakeroot/core/models.py": "BASE = 1\n",
    "fakeroot/cards/__init__.py": "",
    "fakeroot/cards/models.py": "from fakeroot.core.models import BASE\nCARD = BASE\n",
    "fakeroot/cards/service.py": (
        "from fakeroot.cards.models import CARD\n"
        "def find(grant):\n    return CARD\n"
        "def _raw():\n    return CARD\n"
    ),
    "fakeroot/app/__init__.py": "",
    "fakeroot/app/demo.py": "from fakeroot.cards.models import CARD\n",
}


def _breaches(graph: grimp.ImportGraph) -> list[str]:
    modules = {m for m in graph.modules if m.startswith("fakeroot")}
    found = import_contracts.find_breaches(
        graph, modules, {"fakeroot.core.models"}, {"fakeroot.app"}
    )
    return [f"{b.importer}:{b.line}:{b.what}" for b in found]


def test_boundaries_kept_when_areas_use_services(fake_root: Path) -> None:
    files = {
        **BASE_FILES,
        "fakeroot/fhir/__init__.py": "",
        "fakeroot/fhir/service.py": "from fakeroot.cards import service as cards\n"
        "def read(grant):\n    return cards.find(grant)\n",
    }
    assert _breaches(_package(fake_root, files)) == []


def test_a_model_named_only_for_the_type_checker_is_no_breach(fake_root: Path) -> None:
    files = {
        **BASE_FILES,
        "fakeroot/fhir/__init__.py": "",
        "fakeroot/fhir/service.py": textwrap.dedent(
            """\
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from fakeroot.cards.models import CARD
            """
        ),
    }
    assert _breaches(_package(fake_root, files)) == []


def test_boundaries_broken_by_models_and_private_names(fake_root: Path) -> None:
    files = {
        **BASE_FILES,
        "fakeroot/fhir/__init__.py": "",
        "fakeroot/fhir/service.py": textwrap.dedent(
            """\
            from fakeroot.cards.models import CARD
            from fakeroot.cards.service import _raw
            from fakeroot.cards import service as cards


            def read():
                return cards._raw(), CARD, _raw()
            """
        ),
    }
    assert _breaches(_package(fake_root, files)) == [
        "fakeroot.fhir.service:1:models of another area fakeroot.cards.models",
        "fakeroot.fhir.service:2:private name fakeroot.cards.service._raw",
        "fakeroot.fhir.service:7:private name fakeroot.cards.service._raw",
    ]


def test_only_the_gate_may_import_the_grant_seal() -> None:
    """The seal contract lists every package except the gate (access) and core itself."""
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    listed = _listed(_contract("grant-seal")["source_modules"])
    assert listed == {f"kaigo_kiban.{p}" for p in packages - {"access", "core"}}


READ_WITHOUT_GRANT = """
import datetime as dt
from sqlalchemy.orm import Session
from kaigo_kiban.cards import service as cards

def peek(session: Session) -> object:
    return cards.find_card_valid_on(
        session, "insurance_card", "131016", "0000000001", dt.date(2026, 4, 1)
    )
"""

READ_WITH_GRANT = """
import datetime as dt
from sqlalchemy.orm import Session
from kaigo_kiban.cards import service as cards
from kaigo_kiban.core.grants import Grant

def peek(session: Session, grant: Grant) -> object:
    return cards.find_card_valid_on(session, grant, "insurance_card", dt.date(2026, 4, 1))
"""


def test_a_read_without_a_grant_is_a_type_error(tmp_path: Path) -> None:
    """mypy (as configured for ``make test``) rejects a card read that skipped the gate, and
    accepts the same read with a grant: the check can fail, and does only where it should."""
    api = pytest.importorskip("mypy.api")
    results = {}
    for name, body in (("without", READ_WITHOUT_GRANT), ("with", READ_WITH_GRANT)):
        path = tmp_path / f"read_{name}.py"
        path.write_text(body, encoding="utf-8")
        out, _err, status = api.run(
            [
                "--config-file",
                str(SRC.parent.parent / "pyproject.toml"),
                "--cache-dir",
                str(tmp_path / ".mypy_cache"),
                str(path),
            ]
        )
        results[name] = (status, out)
    assert results["without"][0] == 1 and "find_card_valid_on" in results["without"][1]
    assert results["with"][0] == 0, results["with"][1]
