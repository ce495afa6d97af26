"""The catalogue of stable error codes, read from the package source (for docs/api.md).

Found: ``code="…"`` keyword arguments, ``"code": "…"`` dictionary entries and ``code = "…"``
class attributes whose value looks like a stable code (``AREA-MEANING``). The HTTP status is
inferred from the exception class the code is raised with (``http_status`` along its bases).
A code built at run time (``f"ACCESS-{reason}"``) is a family ``ACCESS-*``; the access
denials are listed one by one from ``access.rules.DENIALS``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import kaigo_kiban
from kaigo_kiban.access.rules import DENIALS

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
BEGIN = "<!-- error-codes:begin -->"
END = "<!-- error-codes:end -->"
_BASE_STATUS = {"Exception": None, "ValueError": None}


@dataclass
class ErrorCode:
    code: str
    statuses: set[int] = field(default_factory=set)
    message: str = ""
    modules: set[str] = field(default_factory=set)
    in_details: bool = False  # a per-row / per-field code inside ``details`` (FieldError)


@dataclass
class _Class:
    bases: list[str]
    status: int | None
    code: str | None
    doc: str


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _text(node: ast.expr | None, names: dict[str, str] | None = None) -> str:
    """A message argument as text; ``{…}`` stands for the parts filled in at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and names:
        return names.get(node.id, "")
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{…}"
            for v in node.values
        )
    return ""


def _classes(trees: dict[str, ast.Module]) -> dict[str, _Class]:
    found: dict[str, _Class] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            status = code = None
            for stmt in node.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    value = stmt.value
                    for target in targets:
                        if not isinstance(target, ast.Name) or not isinstance(value, ast.Constant):
                            continue
                        if target.id == "http_status" and isinstance(value.value, int):
                            status = value.value
                        if target.id == "code" and isinstance(value.value, str):
                            code = value.value
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            found[node.name] = _Class(
                [_name(b) for b in node.bases], status, code, doc[0] if doc else ""
            )
    return found


def _status(classes: dict[str, _Class], name: str, depth: int = 0) -> int | None:
    cls = classes.get(name)
    if cls is None or depth > 20:
        return None
    if cls.status is not None:
        return cls.status
    for base in cls.bases:
        status = _status(classes, base, depth + 1)
        if status is not None:
            return status
    return None


def _is_error_class(classes: dict[str, _Class], name: str, depth: int = 0) -> bool:
    if name == "KibanError":
        return True
    cls = classes.get(name)
    return bool(
        cls and depth < 20 and any(_is_error_class(classes, b, depth + 1) for b in cls.bases)
    )


def scan(package_dir: Path | None = None) -> dict[str, ErrorCode]:
    """Every stable error code in the package, keyed by code (families end in ``*``)."""
    root = package_dir or Path(kaigo_kiban.__file__).parent
    trees = {
        str(path.relative_to(root)): ast.parse(path.read_text("utf-8"), str(path))
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
    }
    classes = _classes(trees)
    codes: dict[str, ErrorCode] = {}

    def add(code: str, module: str, status: int | None, message: str, in_details: bool) -> None:
        entry = codes.setdefault(code, ErrorCode(code))
        entry.modules.add(module)
        if status is not None:
            entry.statuses.add(status)
        entry.message = entry.message or message
        entry.in_details = entry.in_details or in_details

    class_messages: dict[str, str] = {}
    for module, tree in trees.items():
        names = _module_strings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                callee = _name(node.func)
                if callee in classes and node.args and callee not in class_messages:
                    class_messages[callee] = _text(node.args[0], names)
                for kw in node.keywords:
                    if kw.arg != "code":
                        continue
                    status = _status(classes, callee) or _literal_status(node)
                    message = _text(node.args[0], names) if node.args else ""
                    message = message or next(
                        (_text(k.value, names) for k in node.keywords if k.arg == "message"), ""
                    )
                    if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        if CODE.match(kw.value.value):
                            add(kw.value.value, module, status, message, callee == "FieldError")
                    elif isinstance(kw.value, ast.JoinedStr):
                        prefix = _text(kw.value).split("{…}")[0]
                        if prefix and CODE.match(prefix + "X"):
                            add(prefix + "*", module, status, message, False)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "code"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and CODE.match(value.value)
                    ):
                        add(value.value, module, None, "", False)
    for name, cls in classes.items():
        if cls.code and CODE.match(cls.code) and _is_error_class(classes, name):
            module = next(m for m, t in trees.items() if _defines(t, name))
            add(
                cls.code, module, _status(classes, name), class_messages.get(name) or cls.doc, False
            )
    if "ACCESS-*" in codes:
        family = codes.pop("ACCESS-*")
        for reason, message in DENIALS.items():
            add(f"ACCESS-{reason}", next(iter(sorted(family.modules))), 403, message, False)
    return codes


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants (messages kept in one place)."""
    found = {}
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        ):
            found[stmt.targets[0].id] = stmt.value.value
    return found


def _literal_status(call: ast.Call) -> int | None:
    """``respond(422, code=...)``: a leading HTTP status literal."""
    first = call.args[0] if call.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, int):
        return first.value if 400 <= first.value < 600 else None
    return None


def _defines(tree: ast.Module, class_name: str) -> bool:
    return any(isinstance(n, ast.ClassDef) and n.name == class_name for n in ast.walk(tree))


def markdown_table(codes: dict[str, ErrorCode]) -> str:
    """The table for docs/api.md, grouped by area prefix, sorted by code."""
    lines = [
        "| コード | HTTP | メッセージ (例) | 定義 |",
        "|---|---|---|---|",
    ]
    for code in sorted(codes):
        e = codes[code]
        status = (
            "details 内"
            if e.in_details and not e.statuses
            else (", ".join(str(s) for s in sorted(e.statuses)) or "—")
        )
        message = re.sub(r"\s+", " ", e.message).replace("|", "｜")[:120]
        lines.append(f"| `{code}` | {status} | {message} | {', '.join(sorted(e.modules))} |")
    return "\n".join(lines) + "\n"


def documented_codes(text: str) -> set[str]:
    """Codes a document lists in backticks (families as ``AREA-*``)."""
    return set(re.findall(r"`([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-(?:[A-Z0-9]+|\*))`", text))


def replace_table(document: str, table: str) -> str:
    """``document`` with the text between the error-code markers replaced by ``table``."""
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return document[:start] + "\n" + table + document[end:]
