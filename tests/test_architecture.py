"""The house: folders name the layers, imports point down, and no module does two jobs.

Read from the source with `ast` (imports inside functions count; those only for type
checkers do not). The layers, from the top: entry points (cli, run, serve, web, app) >
staff, channels, reports > messaging > conversations > domain > text, models.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "conversations")
MAX_LINES = 400  # a module past this is usually two jobs in one room (STYLE.md)

# layer -> the layers it must never import
FORBIDDEN = {
    "bot.text": ("bot.domain", "bot.messaging", "bot.channels", "bot.staff", "bot.reports", "conversations", "bot.app"),
    "bot.domain": ("bot.messaging", "bot.channels", "bot.staff", "bot.reports", "conversations", "bot.app"),
    "conversations": ("bot.messaging", "bot.channels", "bot.staff", "bot.reports", "bot.app"),
    "bot.messaging": ("bot.channels", "bot.staff", "bot.reports", "bot.app"),
    "bot.reports": ("bot.channels", "bot.staff", "conversations", "bot.app"),
    "bot.staff": ("bot.channels", "conversations", "bot.app"),
    "bot.channels": ("bot.app",),
    "bot.models": ("bot.domain", "bot.messaging", "bot.channels", "bot.staff", "bot.reports", "conversations"),
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that `name` imports when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from . import auth` needs the module auth; `from .desk import Desk` needs desk.
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            targets = submodules + ([base] if len(submodules) < len(node.names) else [])
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def _in(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_down(layer):
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if _in(module, layer)
        for target in targets for forbidden in FORBIDDEN[layer] if _in(target, forbidden)
    )
    assert wrong == []


def test_no_import_cycles():
    """No module reaches itself through its imports (bot and conversations included)."""
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
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
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


def test_conversations_never_name_a_channel():
    """Flows ask the context what the channel can do (`ctx.can`), never which channel it is."""
    for path in (ROOT / "conversations").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert 'channel == "' not in source and "channel ==" not in source, path


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_does_two_jobs(name):
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by job"
