"""The package imports one way: leaves <- shared pieces <- engine <- cyclic framework <- method
families <- command line and Python API, with no import cycle (function-level imports count too)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cyclekit"
# Lower layers first; a module may import its own layer (no cycle) and the layers below it.
LAYERS = [
    {"cyclekit.errors", "cyclekit.atomic", "cyclekit.registry", "cyclekit.config",
     "cyclekit.preflight"},
    {"cyclekit.data", "cyclekit.nets", "cyclekit.metrics", "cyclekit.viz"},
    {"cyclekit.engine"},
    {"cyclekit.cyclic"},
    {"cyclekit.translation", "cyclekit.adaptation", "cyclekit.latent", "cyclekit.affinity",
     "cyclekit.tracking"},
    {"cyclekit.cli", "cyclekit.demo", "cyclekit.api", "cyclekit.export", "cyclekit"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every cyclekit module ``path`` imports, at any depth, except under TYPE_CHECKING."""
    tree = ast.parse(path.read_text())
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and getattr(block.test, "id", None) == "TYPE_CHECKING"
               for stmt in block.body for node in ast.walk(stmt)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "cyclekit"}


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {target for target in imported_modules(path) if target in modules
                   and target != name} for name, path in modules.items()}


def layer(module: str) -> int:
    if module == "cyclekit":
        return len(LAYERS) - 1
    for index, group in enumerate(LAYERS):
        if any(module == top or module.startswith(top + ".") for top in group - {"cyclekit"}):
            return index
    raise AssertionError(f"{module} belongs to no layer; add it to LAYERS")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_imports_run_one_way(module):
    graph = import_graph()
    upward = sorted(target for target in graph[module]
                    if layer(target) > layer(module) and module != "cyclekit")
    assert upward == [], f"{module} imports a higher layer"
