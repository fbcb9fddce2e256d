"""No import circle anywhere in the project: each module can be imported first.

A circle hidden behind an import inside a function (weather's models and ticker used to import
each other that way) works until someone moves the import to the top, or imports the other
module first. The graph below counts every import statement, at the top of a module or inside a
function, between the project's own modules."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("newsroom", "articles", "banners", "weather")


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    # `from package import module` imports the module; `from module import name`, the module.
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in imported_names(name, path, node):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # A package's __init__ runs before its modules anyway: not an edge back.
                if target and target != name and not name.startswith(f"{target}."):
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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


def test_the_graph_sees_an_import_inside_a_function():
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert circles(graph) == [["a", "b"]]
    assert "newsroom.pagecache.generation" in import_graph()["weather.ticker"]


def test_no_module_imports_another_that_imports_it_back():
    assert circles(import_graph()) == []


def test_no_site_wide_module_imports_an_apps_views():
    """newsroom/ is the wiring and the site-wide pieces: only its URL conf reaches into an app's
    views (an app's views import newsroom, never the other way round)."""
    graph = import_graph()
    offenders = {
        (name, target)
        for name, targets in graph.items()
        if name.startswith("newsroom.")
        and name not in {"newsroom.urls"}
        and not name.startswith("newsroom.settings")
        for target in targets
        if target.split(".")[0] in APPS[1:] and ".views" in target
    }
    assert offenders == set()


def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module imported in reverse order after django.setup(), in one fresh interpreter:
    nothing depends on another module having been imported before it."""
    names = sorted(project_modules(), reverse=True)
    code = (
        "import importlib, django, sys; django.setup(); "
        "[importlib.import_module(name) for name in sys.argv[1:]]; "
        "print('imported', len(sys.argv) - 1)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "newsroom.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["imported", str(len(names))]
