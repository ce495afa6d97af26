"""An import-linter contract of our own: areas meet only through each other's public services.

``area_boundaries`` (registered in ``.importlinter`` under ``contract_types``) is broken when a
module of one area

- imports another area's ``models`` module (tables belong to their area; other areas call its
  ``service``), except the modules listed in ``shared_models`` (the registry's organisations
  and persons, the base model in ``core``), or
- imports a private name (``_name``) from another area, or reads one through a module alias
  (``cards._find_cards`` after ``from kaigo_kiban.cards import service as cards``).

An *area* is a package directly below the root package (``kaigo_kiban.cards``); sub-areas of one
area (``certification.cases`` and ``certification.opinions``) are one area here — their own
layers contract orders them. Importers in ``exempt`` (the composition root, the migrations) are
not checked. A model class named only in type annotations (imported under
``if TYPE_CHECKING:``) is not a breach: without a run-time import it can be neither queried nor
built, which is what the rule is about.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


@dataclass(frozen=True, order=True)
class Breach:
    """One import that crosses an area boundary the wrong way."""

    importer: str
    line: int
    what: str


def area_of(module: str) -> str:
    """``kaigo_kiban.cards.service`` → ``kaigo_kiban.cards`` (the root itself is its own area)."""
    return ".".join(module.split(".")[:2])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _source(module: str) -> tuple[Path, bool] | None:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin), spec.submodule_search_locations is not None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return ids


def find_breaches(
    graph: grimp.ImportGraph,
    modules: set[str],
    shared_models: set[str],
    exempt: set[str],
) -> list[Breach]:
    """Every breach of the area boundaries by ``modules`` (pure over the graph and the sources)."""
    breaches: list[Breach] = []
    for module in sorted(modules):
        area = area_of(module)
        if any(module == e or module.startswith(e + ".") for e in exempt):
            continue
        found = _source(module)
        if found is None:
            continue
        path, is_package = found
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        aliases: dict[str, str] = {}
        typing_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets = [(a.name, a.asname, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, is_package)
                targets = []
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    if sub in graph.modules:
                        targets.append((sub, a.asname or a.name, sub))
                    else:
                        targets.append((base, None, f"{base}:{a.name}"))
                        if area_of(base) != area and base in graph.modules and _is_private(a.name):
                            breaches.append(
                                Breach(module, node.lineno, f"private name {base}.{a.name}")
                            )
            else:
                continue
            for imported, bound, _label in targets:
                if imported not in graph.modules or area_of(imported) == area:
                    continue
                if area_of(imported) not in {area_of(m) for m in modules}:
                    continue
                if imported.rsplit(".", 1)[-1] == "models" and imported not in shared_models:
                    breaches.append(
                        Breach(module, node.lineno, f"models of another area {imported}")
                    )
                if bound is not None:
                    aliases[bound] = imported
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and _is_private(node.attr)
            ):
                breaches.append(
                    Breach(
                        module, node.lineno, f"private name {aliases[node.value.id]}.{node.attr}"
                    )
                )
    return sorted(set(breaches))


class AreaBoundariesContract(Contract):
    """Areas import no other area's models and no other area's private names."""

    type_name = "area_boundaries"

    root = fields.StringField()
    shared_models = fields.SetField(subfield=fields.StringField(), required=False)
    exempt = fields.SetField(subfield=fields.StringField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        root: str = self.root  # type: ignore[assignment]
        modules = {m for m in graph.modules if m == root or m.startswith(root + ".")}
        breaches = find_breaches(
            graph,
            modules,
            set(self.shared_models or ()),  # type: ignore[arg-type]
            set(self.exempt or ()),  # type: ignore[arg-type]
        )
        return ContractCheck(kept=not breaches, metadata={"breaches": breaches})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports across an area boundary:", bold=False)
        output.new_line()
        for b in check.metadata["breaches"]:
            output.print_error(f"- {b.importer} (l.{b.line}): {b.what}", bold=False)
        output.new_line()
