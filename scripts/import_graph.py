"""The integration's import graph, by layer; fails when a module imports upward.

Each module of `custom_components/smartcar_webhooks` belongs to one layer.
A module may import from its own layer or the ones below, never from a
layer above, and the graph has no cycle (imports under `TYPE_CHECKING`
count too). The `smartcar` library at the bottom never imports Home
Assistant (tests/smartcar/test_purity.py checks that).

Run `scripts/imports`; standard library only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "smartcar_webhooks"

# Lowest first: (layer, what it is, its modules).
LAYERS: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "library",
        "Smartcar's protocol: parsing, signatures, the API client; no Home Assistant",
        frozenset({"smartcar"}),
    ),
    (
        "foundation",
        "constants, options, events and signals, error keys, the token's form field",
        frozenset(
            {
                "const",
                "events",
                "management_token",
                "options",
                "refusals",
                "signals",
            }
        ),
    ),
    (
        "state",
        "the vehicle state, its JSON form and its store",
        frozenset({"migrate", "storage", "store", "usage", "vehicle"}),
    ),
    (
        "edges",
        "what talks to the outside: the webhook, the cloud, Connect, devices, commands",
        frozenset(
            {
                "api_v3",
                "cloudhook",
                "connect",
                "control",
                "device",
                "flow_webhook",
                "webhook_owner",
                "webhook",
            }
        ),
    ),
    (
        "runtime",
        "a loaded entry: owns its webhook, store, sign-in and controller",
        frozenset({"runtime"}),
    ),
    (
        "home assistant",
        "platforms, flows, repairs, device automations, diagnostics, set-up",
        frozenset(
            {
                "__init__",
                "application_credentials",
                "binary_sensor",
                "button",
                "config_flow",
                "control_entity",
                "device_automation",
                "device_condition",
                "device_tracker",
                "device_trigger",
                "diagnostics",
                "entity",
                "event",
                "lock",
                "number",
                "repairs",
                "sensor",
                "services",
                "switch",
                "usage_sensor",
            }
        ),
    ),
)


@dataclass(frozen=True)
class Problem:
    """An import that breaks the layering."""

    text: str


def module_imports(source: str) -> set[str]:
    """The sibling modules a module of the integration imports (relative imports)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def read_graph(folder: Path = INTEGRATION) -> dict[str, set[str]]:
    """Module -> the integration's modules it imports (the library as one module)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        graph[path.stem] = module_imports(path.read_text(encoding="utf-8"))
    return graph


def _cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle, if there is any."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for imported in graph.get(module, ()):
            if (cycle := visit(imported, [*path, module])) is not None:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        if (cycle := visit(module, [])) is not None:
            return cycle
    return None


def problems(
    graph: Mapping[str, Iterable[str]],
    layers: tuple[tuple[str, str, frozenset[str]], ...] = LAYERS,
) -> list[Problem]:
    """Upward imports, modules of no layer, and cycles."""
    rank = {
        module: index
        for index, (_, _, modules) in enumerate(layers)
        for module in modules
    }
    found = [
        Problem(f"{module} belongs to no layer (add it to LAYERS)")
        for module in sorted(graph)
        if module not in rank
    ]
    found.extend(
        Problem(
            f"{module} ({layers[rank[module]][0]}) imports {imported} "
            f"({layers[rank[imported]][0]}), a layer above"
        )
        for module in sorted(graph)
        for imported in sorted(graph[module])
        if module in rank and imported in rank and rank[imported] > rank[module]
    )
    if (cycle := _cycle(graph)) is not None:
        found.append(Problem("import cycle: " + " -> ".join(cycle)))
    return found


def render(graph: Mapping[str, Iterable[str]]) -> str:
    """The graph layer by layer, top first: each module and what it imports."""
    lines: list[str] = []
    for name, what, modules in reversed(LAYERS):
        lines.append(f"{name}: {what}")
        for module in sorted(modules):
            imports = ", ".join(sorted(graph.get(module, ()))) or "-"
            lines.append(f"  {module} -> {imports}")
    return "\n".join(lines)


def main() -> int:
    """Print the graph; exit 1 when a module imports upward or in a cycle."""
    graph = read_graph()
    graph["smartcar"] = (
        set()
    )  # the library is one node: its modules import only each other
    print(render(graph))
    if found := problems(graph):
        print()
        for problem in found:
            print(f"ERROR {problem.text}")
        return 1
    edges = sum(len(imports) for imports in graph.values())
    print(f"\n{len(graph)} modules, {edges} imports: none upward, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
