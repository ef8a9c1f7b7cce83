"""The integration's modules import only from their own layer or the ones below."""

from __future__ import annotations

from scripts.import_graph import LAYERS, module_imports, problems, read_graph


def test_no_module_imports_upward_or_in_a_cycle() -> None:
    graph = read_graph()
    graph["smartcar"] = set()

    assert problems(graph) == []


def test_every_module_has_a_layer() -> None:
    layered = {module for _, _, modules in LAYERS for module in modules}

    assert set(read_graph()) | {"smartcar"} == layered


def test_an_upward_import_is_found() -> None:
    found = problems({"const": {"runtime"}, "runtime": {"const"}})

    assert [problem.text for problem in found] == [
        "const (foundation) imports runtime (runtime), a layer above",
        "import cycle: const -> runtime -> const",
    ]


def test_a_cycle_inside_one_layer_is_found() -> None:
    found = problems({"sensor": {"entity"}, "entity": {"sensor"}})

    assert [problem.text for problem in found] == [
        "import cycle: entity -> sensor -> entity"
    ]


def test_relative_imports_are_read_type_checking_ones_included() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import pending\n"
        "from .smartcar.parser import parse\n"
        "if TYPE_CHECKING:\n"
        "    from .runtime import SmartcarConfigEntry\n"
        "import json\n"
    )

    assert module_imports(source) == {"pending", "smartcar", "runtime"}
