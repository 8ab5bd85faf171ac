"""The shape of `src/`: no import cycle, no reaching into another module's private names,
dependencies pointing inward, and no hand-written module over 500 lines.

Every import is counted, wherever it is written (inside a function or under
`TYPE_CHECKING` too): a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "scalplab"
MAX_LINES = 500
LAYERS: dict[str, set[str]] = {
    # a package → the packages it must never import
    "data": {"strategies", "orders", "backtests", "simulation", "services", "api"},
    "storage": {"strategies", "orders", "backtests", "simulation", "services", "api"},
    "strategies": {"orders", "backtests", "simulation", "services", "api"},
    "orders": {"backtests", "simulation", "services", "api"},
    "backtests": {"simulation", "services", "api"},
    "simulation": {"backtests", "services", "api"},
    "services": {"api"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    }


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The `scalplab` modules `path` imports (a name imported from a package that is a
    module of its own counts as that module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module not in known:
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    return {name: imports_of(path, names) - {name} for name, path in known.items()}


def test_no_import_cycle_anywhere_in_src() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(edges.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_reaches_into_another_modules_private_names() -> None:
    known = modules()
    offences = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and node.module != name:
                        offences.append(f"{name}: from {node.module} import {alias.name}")
                    target = f"{node.module}.{alias.name}"
                    if target in known:
                        aliases[alias.asname or alias.name] = target
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in known and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offences.append(f"{name}: {aliases[node.value.id]}.{node.attr}")
    assert offences == []


def test_dependencies_point_inward() -> None:
    offences = []
    for name, targets in graph().items():
        package = name.split(".")[1] if name.count(".") >= 1 else ""
        forbidden = LAYERS.get(package, set())
        for target in targets:
            parts = target.split(".")
            if len(parts) > 1 and parts[1] in forbidden:
                offences.append(f"{name} imports {target}")
    assert offences == []


def test_no_hand_written_module_is_over_500_lines() -> None:
    long = {
        name: lines
        for name, path in modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
