"""Notification and registry have the layout every service shares (docs/architecture.md):
the standard packages and nothing else at the top, short modules, no import circle, a domain
free of Flask, SQLAlchemy and kombu, contracts that import no handlers or adapters.

To be folded into tests/unit/test_service_layout.py (its `CONVERTED` list) when merged.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("notification", "registry")
STANDARD = {"api", "handlers", "domain", "adapters", "contracts", "migrations"}
WITH_PAGES = {"registry"}  # the services that serve web pages of their own
TOP_MODULES = {"__init__.py", "wsgi.py"}
MAX_LINES = 400
FRAMEWORKS = ("flask", "flask_smorest", "sqlalchemy", "kombu")


def _package(service: str) -> Path:
    return ROOT / "services" / service


def _modules(service: str) -> dict[str, Path]:
    """Every module of the service by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(_package(service).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _top_level_imports(tree: ast.Module, name: str, is_package: bool) -> list[str]:
    """What a module imports when it is imported: statements outside any function or class
    (inside `if`/`try` blocks too), relative ones resolved. `from a import b` names `a.b`."""
    names: list[str] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names += [f"{base}.{alias.name}" for alias in node.names]
            names.append(base)
        elif isinstance(node, (ast.If, ast.Try)):
            pending += node.body + node.orelse
            if isinstance(node, ast.Try):
                pending += node.finalbody + [s for h in node.handlers for s in h.body]
    return names


def _graph(service: str) -> dict[str, set[str]]:
    """Module → the service's modules it imports at module level. `from pkg import x` is an
    edge to `pkg.x` when that is a module, else to `pkg`; a package a module merely lives in
    is not an edge (every module would otherwise loop through the app factory)."""
    modules = _modules(service)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for imported in _top_level_imports(tree, name, path.name == "__init__.py"):
            if imported in modules:
                targets.add(imported)
        # `from pkg import module` names both `pkg` and `pkg.module`: keep the module only.
        targets -= {t for t in targets if any(o.startswith(t + ".") for o in targets)}
        graph[name] = targets - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _all_imports(path: Path) -> list[str]:
    """Every import anywhere in the module, function bodies included."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_the_top_holds_the_standard_packages_and_nothing_else(service: str) -> None:
    top = _package(service)
    wanted = STANDARD | ({"pages"} if service in WITH_PAGES else set())
    folders = {p.name for p in top.iterdir() if p.is_dir() and p.name != "__pycache__"}
    packages = {name for name in folders if (top / name / "__init__.py").exists()}
    assert packages == wanted
    assert folders == packages, f"folders that are no package: {folders - packages}"
    modules = {p.name for p in top.glob("*.py")}
    assert modules == TOP_MODULES


@pytest.mark.parametrize("service", SERVICES)
def test_no_module_is_over_400_lines(service: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(service).values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long


@pytest.mark.parametrize("service", SERVICES)
def test_no_import_circle_inside_the_service(service: str) -> None:
    assert _cycles(_graph(service)) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_is_plain_python(service: str) -> None:
    """No framework, and nothing of the service but its own domain."""
    domain = f"services.{service}.domain"
    for name, path in _modules(service).items():
        if not (name == domain or name.startswith(domain + ".")):
            continue
        for imported in _all_imports(path):
            root = imported.split(".")[0]
            assert root not in FRAMEWORKS, f"{name} imports {imported}"
            if root == "services":
                assert imported.startswith(domain), f"{name} imports {imported}"


@pytest.mark.parametrize("service", SERVICES)
def test_contracts_import_no_handlers_or_adapters(service: str) -> None:
    contracts = f"services.{service}.contracts"
    outside = tuple(f"services.{service}.{p}" for p in ("handlers", "adapters", "api", "pages"))
    for name, path in _modules(service).items():
        if name == contracts or name.startswith(contracts + "."):
            for imported in _all_imports(path):
                assert not imported.startswith(outside), f"{name} imports {imported}"
