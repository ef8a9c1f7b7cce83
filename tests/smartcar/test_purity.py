"""The Smartcar library stays pure: nothing in it imports Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from custom_components.smartcar_webhooks import smartcar

PACKAGE_DIR = Path(smartcar.__file__).resolve().parent
PACKAGE = "custom_components.smartcar_webhooks.smartcar"
MODULES = sorted(PACKAGE_DIR.rglob("*.py"))


def _is_home_assistant(name: str) -> bool:
    return name == "homeassistant" or name.startswith("homeassistant.")


def _leaves_package(name: str) -> bool:
    """An absolute import of the integration outside the library itself."""
    if not (name == "custom_components" or name.startswith("custom_components.")):
        return False
    return not (name == PACKAGE or name.startswith(f"{PACKAGE}."))


def forbidden_imports(source: str, depth: int = 0) -> list[str]:
    """The imports in `source` that reach Home Assistant or leave the library.

    `depth` is how many folders below the library's root the module lives, so
    that a relative import climbing above the root is caught.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(
                alias.name
                for alias in node.names
                if _is_home_assistant(alias.name) or _leaves_package(alias.name)
            )
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:
                if _is_home_assistant(module) or _leaves_package(module):
                    found.append(module)
            elif node.level > depth + 1:
                found.append("." * node.level + module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(func := node.func, ast.Name | ast.Attribute)
            and (func.id if isinstance(func, ast.Name) else func.attr)
            in {"__import__", "import_module"}
            and node.args
            and isinstance(first := node.args[0], ast.Constant)
            and isinstance(first.value, str)
            and (_is_home_assistant(first.value) or _leaves_package(first.value))
        ):
            found.append(first.value)
    return found


def test_the_library_modules_are_found() -> None:
    names = {path.relative_to(PACKAGE_DIR).as_posix() for path in MODULES}
    assert {
        "__init__.py",
        "errors.py",
        "models.py",
        "parser.py",
        "signature.py",
    } <= names


@pytest.mark.parametrize(
    "path", MODULES, ids=[p.relative_to(PACKAGE_DIR).as_posix() for p in MODULES]
)
def test_module_does_not_import_home_assistant(path: Path) -> None:
    depth = len(path.relative_to(PACKAGE_DIR).parts) - 1
    assert forbidden_imports(path.read_text(encoding="utf-8"), depth) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import homeassistant", ["homeassistant"]),
        ("import json, homeassistant.core as core", ["homeassistant.core"]),
        ("from homeassistant.core import HomeAssistant", ["homeassistant.core"]),
        ("from homeassistant import const", ["homeassistant"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import homeassistant.core",
            ["homeassistant.core"],
        ),
        (
            "def f():\n    from homeassistant.helpers import entity",
            ["homeassistant.helpers"],
        ),
        ("from .. import const", [".."]),
        ("from ..const import DOMAIN", ["..const"]),
        ("from ...smartcar_webhooks import const", ["...smartcar_webhooks"]),
        (
            "import custom_components.smartcar_webhooks.const",
            ["custom_components.smartcar_webhooks.const"],
        ),
        (
            "from custom_components.smartcar_webhooks import const",
            ["custom_components.smartcar_webhooks"],
        ),
        (
            "import importlib\nimportlib.import_module('homeassistant.core')",
            ["homeassistant.core"],
        ),
        ("__import__('homeassistant')", ["homeassistant"]),
    ],
)
def test_checker_finds_forbidden_imports(source: str, found: list[str]) -> None:
    assert forbidden_imports(source) == found


@pytest.mark.parametrize(
    "source",
    [
        "from . import models",
        "from .models import Field",
        "from .errors import InvalidDeliveryError",
        "import json\nimport hmac",
        "from custom_components.smartcar_webhooks.smartcar.models import Field",
        "import homeassistantish",
        "importlib.import_module(name)",
    ],
)
def test_checker_allows_imports_inside_the_library(source: str) -> None:
    assert forbidden_imports(source) == []


def test_checker_allows_relative_imports_within_a_subpackage() -> None:
    assert forbidden_imports("from .. import models", depth=1) == []
    assert forbidden_imports("from ... import const", depth=1) == ["..."]
