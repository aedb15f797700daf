"""Every service has the same shape (docs/architecture.md, "A service's layout"; issue 18).

Read from the source with `ast`: nothing here imports a service, so a layout broken badly enough
not to import still gets a clear message. Each check is also run on a small bad tree built in a
temporary folder, so that none of them can pass by looking at nothing.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The services in the standard layout (issue 18 point 2): every one of the four.
SERVICES = ["inspection", "notification", "registry", "staffing"]

PACKAGES = {"api", "handlers", "domain", "adapters", "contracts", "migrations"}
OPTIONAL_PACKAGES = {"pages"}  # only where the service serves web pages
TOP_LEVEL_MODULES = {"__init__.py", "wsgi.py"}

MAX_LINES = 400
# path relative to the repository -> why it cannot be split. Prefer none.
LONG_FILE_EXCEPTIONS: dict[str, str] = {}

DOMAIN_FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "kombu"}
CONTRACTS_FORBIDDEN_PACKAGES = {"handlers", "adapters", "api", "pages"}


# --- reading the tree ------------------------------------------------------------------------


def python_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of `from ... import` (relative imports counted from `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, node.module] if node.module else base)


def imported_names(
    tree: ast.Module, module: str, is_package: bool, top_level_only: bool
) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for each import statement.

    `top_level_only`: only the statements run when the module is imported (those at module
    level, including inside a module-level `if`/`try`), not those inside a function or class.
    """
    nodes: Iterable[ast.AST] = _module_level(tree.body) if top_level_only else _run_time(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            yield (
                _resolve(node, module, is_package),
                [alias.name for alias in node.names],
                node.lineno,
            )


def _typing_only(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:`: imports for the type checker, never run, so they make no circle."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def _run_time(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that can run (ast.walk less the `if TYPE_CHECKING:` blocks)."""
    for child in ast.iter_child_nodes(tree):
        if _typing_only(child):
            for statement in child.orelse:
                yield statement
                yield from _run_time(statement)
            continue
        yield child
        yield from _run_time(child)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in body:
        if _typing_only(statement):
            continue
        yield statement
        if isinstance(statement, ast.If | ast.Try | ast.With):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(statement, block, []):
                    if isinstance(child, ast.ExceptHandler):
                        yield from _module_level(child.body)
                    else:
                        yield from _module_level([child])


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- the checks ------------------------------------------------------------------------------


def layout_problems(service: Path) -> list[str]:
    """(a) the standard packages and nothing else at the top."""
    problems = []
    packages = {p.name for p in service.iterdir() if p.is_dir() and p.name != "__pycache__"}
    modules = {p.name for p in service.glob("*.py")}
    for missing in sorted(PACKAGES - packages):
        problems.append(f"{service.name}/{missing}/ is missing")
    for extra in sorted(packages - PACKAGES - OPTIONAL_PACKAGES):
        problems.append(f"{service.name}/{extra}/ is not a standard package")
    for package in sorted(packages & (PACKAGES | OPTIONAL_PACKAGES)):
        if package != "pages" and not (service / package / "__init__.py").is_file():
            problems.append(f"{service.name}/{package}/ has no __init__.py")
    for extra in sorted(modules - TOP_LEVEL_MODULES):
        problems.append(f"{service.name}/{extra} belongs in one of the packages")
    return problems


def long_files(service: Path, root: Path = ROOT) -> list[str]:
    """(b) no module over MAX_LINES lines, bar the listed exceptions."""
    found = []
    for path in python_files(service):
        name = path.relative_to(root).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_FILE_EXCEPTIONS:
            found.append(f"{name}: {lines} lines")
    return found


def import_graph(service: Path, root: Path = ROOT) -> dict[str, dict[str, str]]:
    """The service's modules -> the service's modules each imports, with where (`line 12`, or
    `line 40, lazy` for an import inside a function: it dodges a circle, it does not untie it).
    `from services.x.pkg import name` is an edge to `services.x.pkg.name` when that is a module,
    else to `services.x.pkg`."""
    modules = {module_name(path, root): path for path in python_files(service)}
    graph: dict[str, dict[str, str]] = {name: {} for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = parse(path)
        eager = {line for _, _, line in imported_names(tree, name, is_package, True)}
        for target, names, line in imported_names(tree, name, is_package, False):
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            if len(submodules) < len(names) or not names:
                submodules.append(target)
            where = f"line {line}" if line in eager else f"line {line}, lazy"
            for edge in submodules:
                if edge in modules and edge != name:
                    graph[name].setdefault(edge, where)
    return graph


def strongly_connected(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's algorithm; the components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def a_cycle(graph: dict[str, dict[str, str]], component: list[str]) -> list[str]:
    """One closed path through the component: the modules in import order, each with the line
    of its import of the next (breadth-first, so the shortest from the first module)."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node]):
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    path.reverse()
                    hops = [*path, start]
                    return [f"{a} ({graph[a][b]})" for a, b in itertools.pairwise(hops)] + [start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    return component  # not reached: a component of two or more always has a cycle


def import_cycles(service: Path, root: Path = ROOT) -> list[str]:
    """(c) no import circle among the service's modules, lazy imports counted."""
    graph = import_graph(service, root)
    return [" -> ".join(a_cycle(graph, c)) for c in strongly_connected(graph)]


def forbidden_imports(
    folder: Path, forbidden: Callable[[str], bool], root: Path = ROOT
) -> list[str]:
    """Every import anywhere in `folder`'s modules (a lazy one in a function too) that
    `forbidden` refuses, as `path:line imports name`."""
    found = []
    for path in python_files(folder):
        name = module_name(path, root)
        tree = parse(path)
        for target, names, line in imported_names(tree, name, path.name == "__init__.py", False):
            # `from a.b import c` takes a.b.c (a module or a name in a.b): judge that
            targets = [f"{target}.{n}" for n in names] if names else [target]
            hit = next((t for t in targets if forbidden(t)), None)
            if hit:
                found.append(f"{path.relative_to(root).as_posix()}:{line} imports {hit}")
        found.extend(
            f"{path.relative_to(root).as_posix()}:{line} imports {hit} by name"
            for hit, line in _dynamic_imports(tree)
            if forbidden(hit)
        )
    return found


def _dynamic_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """`importlib.import_module("x...")` and `__import__("x...")`, by their constant prefix."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called not in {"import_module", "__import__"}:
            continue
        argument = node.args[0]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            yield argument.value, node.lineno
        elif isinstance(argument, ast.JoinedStr) and argument.values:
            head = argument.values[0]
            if isinstance(head, ast.Constant) and isinstance(head.value, str):
                yield head.value, node.lineno


def domain_problems(service: Path, root: Path = ROOT) -> list[str]:
    """(d) domain/ is plain Python: no web framework, database or broker, nothing of its service
    outside domain/ and nothing of another service."""
    domain = f"{module_name(service, root)}.domain"

    def forbidden(name: str) -> bool:
        if name.split(".")[0] in DOMAIN_FORBIDDEN:
            return True
        return name.startswith("services.") and not (
            name == domain or name.startswith(f"{domain}.")
        )

    return forbidden_imports(service / "domain", forbidden, root)


def contracts_problems(service: Path, root: Path = ROOT) -> list[str]:
    """contracts/ declare events: they import no use case, table or HTTP adapter."""
    own = module_name(service, root)
    prefixes = tuple(f"{own}.{package}" for package in CONTRACTS_FORBIDDEN_PACKAGES)
    return forbidden_imports(
        service / "contracts", lambda name: name.startswith(prefixes) or name == own, root
    )


def shared_problems(shared: Path, root: Path = ROOT) -> list[str]:
    """(d2) shared/ is a library under the services: it imports none of them, not even lazily
    or by name (issue 18.1: the composition of the four moves to services/hall)."""
    return forbidden_imports(shared, lambda name: name.split(".")[0] == "services", root)


# --- the services ----------------------------------------------------------------------------


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> Path:
    return ROOT / "services" / request.param


def test_a_service_has_the_standard_packages_and_no_loose_modules(service: Path) -> None:
    assert layout_problems(service) == []


def test_no_module_is_over_400_lines(service: Path) -> None:
    assert long_files(service) == [], "split by topic, with names that say what is inside"


@pytest.mark.parametrize("folder", ["shared", "services/hall"])
def test_no_module_of_the_library_or_the_composition_is_over_400_lines(folder: str) -> None:
    assert long_files(ROOT / folder) == [], "split by topic, with names that say what is inside"


def test_the_long_file_exceptions_are_real_and_give_a_reason() -> None:
    for name, reason in LONG_FILE_EXCEPTIONS.items():
        assert (ROOT / name).is_file() and reason.strip(), name


def test_no_import_circle_inside_a_service(service: Path) -> None:
    assert import_cycles(service) == [], "restructure: a lazy import does not untie a circle"


def test_the_domain_imports_no_framework_database_broker_or_adapter(service: Path) -> None:
    assert domain_problems(service) == []


def test_contracts_import_no_handler_adapter_or_api(service: Path) -> None:
    assert contracts_problems(service) == []


def test_shared_imports_no_service() -> None:
    assert shared_problems(ROOT / "shared") == []


@pytest.mark.parametrize("folder", ["shared", "services/hall"])
def test_no_import_circle_in_the_library_or_the_composition(folder: str) -> None:
    assert import_cycles(ROOT / folder) == []


# --- each check can fail ---------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "services" / "toy"


def _good(root: Path) -> Path:
    files = {"services/__init__.py": "", "services/toy/__init__.py": "", "services/toy/wsgi.py": ""}
    files.update({f"services/toy/{p}/__init__.py": "" for p in PACKAGES})
    return _write(root, files)


def test_a_good_toy_service_passes_every_check(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    assert layout_problems(toy) == []
    assert long_files(toy, tmp_path) == []
    assert import_cycles(toy, tmp_path) == []
    assert domain_problems(toy, tmp_path) == []
    assert contracts_problems(toy, tmp_path) == []


def test_a_loose_module_a_stray_package_or_a_missing_one_is_found(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    (toy / "orm.py").write_text("")
    (toy / "templates").mkdir()
    (toy / "contracts" / "__init__.py").unlink()
    (toy / "contracts").rmdir()
    assert layout_problems(toy) == [
        "toy/contracts/ is missing",
        "toy/templates/ is not a standard package",
        "toy/orm.py belongs in one of the packages",
    ]


def test_a_long_module_in_shared_is_found(tmp_path: Path) -> None:
    _write(tmp_path, {"shared/__init__.py": "", "shared/big.py": "x = 1\n" * (MAX_LINES + 1)})
    assert long_files(tmp_path / "shared", tmp_path) == [f"shared/big.py: {MAX_LINES + 1} lines"]


def test_a_long_module_is_found(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    (toy / "handlers" / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (toy / "handlers" / "fits.py").write_text("x = 1\n" * MAX_LINES)
    assert long_files(toy, tmp_path) == [f"services/toy/handlers/big.py: {MAX_LINES + 1} lines"]


def test_an_import_circle_is_found_and_named(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    _write(
        tmp_path,
        {
            "services/toy/adapters/tables.py": "from services.toy.contracts import events\n",
            "services/toy/contracts/events.py": "from ..handlers import work\n",
            "services/toy/handlers/work.py": "import os\n\nimport services.toy.adapters.tables\n",
            # no circle: work uses rules, rules nothing of the service
            "services/toy/domain/rules.py": "import os\n",
            "services/toy/handlers/rules_user.py": "from services.toy.domain.rules import f\n",
        },
    )
    assert import_cycles(toy, tmp_path) == [
        "services.toy.adapters.tables (line 1) -> services.toy.contracts.events (line 1) -> "
        "services.toy.handlers.work (line 3) -> services.toy.adapters.tables"
    ]


def test_a_circle_dodged_by_a_lazy_import_is_still_a_circle(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    _write(
        tmp_path,
        {
            "services/toy/handlers/ladder.py": "from services.toy.handlers import rules\n",
            "services/toy/handlers/rules.py": (
                "def f():\n    from services.toy.handlers import ladder\n"
            ),
        },
    )
    assert import_cycles(toy, tmp_path) == [
        "services.toy.handlers.ladder (line 1) -> "
        "services.toy.handlers.rules (line 2, lazy) -> services.toy.handlers.ladder"
    ]


def test_a_circle_through_a_package_s_init_is_found(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    _write(
        tmp_path,
        {
            "services/toy/contracts/__init__.py": "from services.toy.contracts import a\nX = 1\n",
            "services/toy/contracts/a.py": "from services.toy.contracts import X\n",
        },
    )
    assert len(import_cycles(toy, tmp_path)) == 1


def test_a_framework_or_an_adapter_in_the_domain_is_found(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    _write(
        tmp_path,
        {
            "services/toy/domain/a.py": (
                "import sqlalchemy.orm\nfrom services.toy.domain import b\n"
            ),
            "services/toy/domain/b.py": "def f():\n    from kombu import Queue\n",
            "services/toy/domain/c.py": "from services.toy.adapters import tables\n",
            "services/toy/domain/d.py": "from flask import g\nfrom shared.workdays import x\n",
            "services/toy/domain/e.py": (
                "from services.toy import domain\nfrom services.registry.domain import units\n"
            ),
        },
    )
    assert domain_problems(toy, tmp_path) == [
        "services/toy/domain/a.py:1 imports sqlalchemy.orm",
        "services/toy/domain/b.py:2 imports kombu.Queue",
        "services/toy/domain/c.py:1 imports services.toy.adapters.tables",
        "services/toy/domain/d.py:1 imports flask.g",
        "services/toy/domain/e.py:2 imports services.registry.domain.units",
    ]


def test_a_handler_in_the_contracts_is_found(tmp_path: Path) -> None:
    toy = _good(tmp_path)
    _write(tmp_path, {"services/toy/contracts/a.py": "from services.toy.handlers import x\n"})
    assert contracts_problems(toy, tmp_path) == [
        "services/toy/contracts/a.py:1 imports services.toy.handlers.x"
    ]


def test_a_service_imported_by_shared_is_found_even_lazily_or_by_name(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shared/__init__.py": "",
            "shared/pure.py": "import json\nfrom shared import other\n",
            "shared/lazy.py": "def f():\n    from services.toy import SPEC\n",
            "shared/named.py": "import importlib\n\n"
            "def g(n):\n    return importlib.import_module(f'services.{n}')\n",
        },
    )
    assert shared_problems(tmp_path / "shared", tmp_path) == [
        "shared/lazy.py:2 imports services.toy.SPEC",
        "shared/named.py:4 imports services. by name",
    ]
