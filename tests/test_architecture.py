"""The house's rules, read from the code (docs/architecture.md explains them): floors that import only downwards,
no import loops, no domain reaching into another's routes, modules of a readable size.

Imports are read with `ast`, at module level and inside functions alike: a function-level import does not hide
an upward one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "tasks", "plans", "scoring", "amendments", "board", "reminders", "accounts", "years", "units",
            "workers")
DOMAINS = ("tasks", "plans", "scoring", "board", "reminders", "accounts")
# app/ modules that assemble the domains (the top floor); every other app module is the ground floor.
ASSEMBLY = ("app.factory", "app.asgi", "app.cli", "app.cli_reminders", "app.cli_units", "app.demo", "app.demo_data",
            "app.demo_scoring", "app.demo_years", "app.backup", "app.backup_postgres", "app.backup_restore", "app.piccolo_conf")
FLOORS = {"tasks": 1, "plans": 2, "scoring": 3, "amendments": 3, "board": 4, "reminders": 4, "accounts": 4,
          "years": 5, "units": 6}
ASSEMBLY_FLOOR = 7
# A task belongs to a field of a plan: tasks' tables (and what reads them) may name the plan tables.
ALLOWED_UPWARD = {("tasks", "plans.tables")}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(module imported, line, at module level) for every import of one of our packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from app import audit` imports app.audit when that is a module.
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                     for alias in node.names]
        for name in names:
            if name.split(".")[0] in PACKAGES:
                found.append((name, node.lineno, id(node) in top))
    return found


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _target(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def floor(module: str) -> int:
    package = module.split(".")[0]
    if package == "workers" or module in ASSEMBLY or module.startswith("app.piccolo"):
        return ASSEMBLY_FLOOR
    if package == "app":
        return 0
    return FLOORS[package]


def _is_routes(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in ("routes", "api") or last.endswith("_routes")


def test_imports_go_only_downwards_or_sideways_within_a_floor():
    upward = []
    for module, imports in IMPORTS.items():
        for name, line, _top in imports:
            target = _target(name)
            if target is None or target.split(".")[0] == module.split(".")[0] and floor(target) == floor(module):
                continue
            if (module.split(".")[0], target) in ALLOWED_UPWARD:
                continue
            if floor(target) > floor(module):
                upward.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def test_no_domain_imports_another_domains_routes_or_api():
    reaching = [f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
                for module, imports in IMPORTS.items() for name, line, _top in imports
                if (target := _target(name)) and _is_routes(target)
                and target.split(".")[0] != module.split(".")[0] and floor(module) != ASSEMBLY_FLOOR]
    assert reaching == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), function-level imports included."""
    graph = {m: sorted({t for name, _line, _top in imports if (t := _target(name)) and t != m})
             for m, imports in IMPORTS.items()}
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

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_there_are_no_import_loops():
    assert _cycles() == []


def test_modules_stay_readable():
    long = {str(path.relative_to(ROOT)): n for path in MODULES.values()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_rules_catch_what_they_forbid(tmp_path):
    # The checks above would pass on an empty house: show they see a loop, an upward import and a routes import.
    IMPORTS_BEFORE = dict(IMPORTS)
    try:
        IMPORTS["app.i18n"] = [("board.routes", 1, False)]
        IMPORTS["board.routes"] = [*IMPORTS.get("board.routes", []), ("app.i18n", 1, True)]
        with pytest.raises(AssertionError):
            test_imports_go_only_downwards_or_sideways_within_a_floor()
        with pytest.raises(AssertionError):
            test_there_are_no_import_loops()
        IMPORTS["reminders.rules"] = [("board.routes", 1, True)]
        with pytest.raises(AssertionError):
            test_no_domain_imports_another_domains_routes_or_api()
    finally:
        IMPORTS.clear()
        IMPORTS.update(IMPORTS_BEFORE)


def test_docs_name_every_room():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rooms = {path.parent.relative_to(ROOT).as_posix() for path in MODULES.values()}
    assert sorted(room for room in rooms if f"`{room}/`" not in text) == []
