"""Every translation key the integration's code uses exists in strings.json.

An AST scan of the package finds the string keys passed as `step_id=`,
`reason=`, `progress_action=`, `menu_options=[...]`, `errors[...] = ...`,
`description=` of a created entry, `translation_key=` (issues, exceptions,
selectors, entity descriptions) and the `key=` of entity descriptions, and
places each in the section of strings.json it belongs to: the flow kind comes
from the enclosing class's bases (config, options, config subentry, repair),
the entity platform from the module or the description's class. Keys held in
module constants (also imported ones) and keys returned by a helper function
are followed; anything computed at run time is skipped here, and the entity
descriptions are also checked by importing the platforms.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
import importlib
import inspect
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

from homeassistant.components.event import EventEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorEntityDescription
from homeassistant.const import Platform
from homeassistant.helpers.entity import Entity, EntityDescription
import pytest

PACKAGE = "custom_components.smartcar_webhooks"
INTEGRATION = Path(__file__).parent.parent / "custom_components" / "smartcar_webhooks"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
PLATFORMS = {platform.value for platform in Platform}
ANY = "*"


@dataclass(frozen=True)
class Use:
    """A translation key the code uses, as a path into strings.json ("*": any key)."""

    path: tuple[str, ...]
    where: str

    def __str__(self) -> str:
        """The dotted path and where the code uses it."""
        return f"{'.'.join(self.path)} ({self.where})"


# --- reading the package -------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _name(node: ast.expr) -> str:
    """The last part of a called or inherited name: `ir.async_create_issue` -> that."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):  # Generic[...] bases
        return _name(node.value)
    return ""


@dataclass
class Module:
    """One parsed module with what is needed to resolve names in it."""

    path: str  # relative to the integration, e.g. "config_flow/options.py"
    tree: ast.Module
    constants: dict[str, str]
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    imports: dict[str, tuple[str, str]]  # local name -> (module path, name there)
    enums: dict[str, dict[str, str]]  # class -> its string members (StrEnum and alike)

    @property
    def stem(self) -> str:
        """The platform-like name: `sensor.py` and `sensor/__init__.py` give "sensor"."""
        parts = Path(self.path).with_suffix("").parts
        return parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[0]


def _module_file(current: str, level: int, module: str | None) -> str | None:
    """The path (relative to the integration) an import refers to, if inside it."""
    if level == 0:
        if not module or not module.startswith(f"{PACKAGE}."):
            return None
        parts = module.removeprefix(f"{PACKAGE}.").split(".")
    else:
        base = list(Path(current).parent.parts)
        if level - 1 > len(base):
            return None
        base = base[: len(base) - (level - 1)]
        parts = [*base, *(module.split(".") if module else [])]
    return "/".join(parts)


def _string_constants(body: Iterable[ast.stmt]) -> dict[str, str]:
    """`NAME = "text"` (also annotated) assignments of a module or class body."""
    constants: dict[str, str] = {}
    for node in body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                for target in targets:
                    if isinstance(target, ast.Name):
                        constants[target.id] = value.value
    return constants


def parse(sources: Mapping[str, str]) -> dict[str, Module]:
    """Parse modules given as {relative path: source}."""
    modules: dict[str, Module] = {}
    for path, source in sources.items():
        tree = ast.parse(source)
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        imports: dict[str, tuple[str, str]] = {}
        enums: dict[str, dict[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                enums[node.name] = _string_constants(node.body)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[node.name] = node
            elif isinstance(node, ast.ImportFrom):
                target = _module_file(path, node.level, node.module)
                if target is not None:
                    for alias in node.names:
                        imports[alias.asname or alias.name] = (target, alias.name)
        constants = _string_constants(tree.body)
        modules[path] = Module(path, tree, constants, functions, imports, enums)
    return modules


def _lookup(modules: Mapping[str, Module], path: str) -> Module | None:
    return modules.get(f"{path}.py") or modules.get(f"{path}/__init__.py")


class Resolver:
    """Turns expressions into the string keys they certainly hold."""

    def __init__(self, modules: Mapping[str, Module]) -> None:
        """Resolve across these modules."""
        self.modules = modules

    def _definition(
        self, module: Module, name: str, depth: int = 0
    ) -> tuple[Module, str] | None:
        if name in module.constants or name in module.functions or name in module.enums:
            return module, name
        if name in module.imports and depth < 5:
            target_path, target_name = module.imports[name]
            if (target := _lookup(self.modules, target_path)) is not None:
                return self._definition(target, target_name, depth + 1)
        return None

    def keys(self, module: Module, node: ast.expr | None) -> set[str] | None:
        """The keys an expression can be, or None when it is computed at run time."""
        match node:
            case ast.Constant(value=str() as value):
                return {value}
            case ast.IfExp(body=body, orelse=orelse):
                first, second = self.keys(module, body), self.keys(module, orelse)
                return None if first is None or second is None else first | second
            case ast.Name(id=name):
                found = self._definition(module, name)
                if found and found[1] in found[0].constants:
                    return {found[0].constants[found[1]]}
                return None
            case (
                ast.Attribute(value=ast.Name(id=name), attr=member)
                | ast.Attribute(
                    value=ast.Attribute(value=ast.Name(id=name), attr=member),
                    attr="value",
                )
            ):
                # Enum.MEMBER or Enum.MEMBER.value of a string enum of the package.
                found = self._definition(module, name)
                if found and member in found[0].enums.get(found[1], {}):
                    return {found[0].enums[found[1]][member]}
                return None
            case ast.Call(func=ast.Name(id=name)):
                found = self._definition(module, name)
                if found and found[1] in found[0].functions:
                    return self._returns(found[0], found[0].functions[found[1]])
                return None
        return None

    def _returns(
        self, module: Module, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> set[str] | None:
        values: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Return):
                keys = self.keys(module, node.value)
                if keys is None:
                    return None
                values |= keys
        return values or None


# Which section of strings.json a flow class's strings live in, by its bases.
FLOW_KINDS = (
    ("ConfigSubentryFlow", ("config_subentries", ANY)),
    ("OptionsFlow", ("options",)),
    ("RepairsFlow", ("issues", ANY, "fix_flow")),
    ("RepairFlow", ("issues", ANY, "fix_flow")),
    ("ConfigFlow", ("config",)),
    ("OAuth2FlowHandler", ("config",)),
)
EXCEPTION_SUFFIXES = ("Error", "Exception", "NotReady", "AuthFailed")


class Scanner:
    """Collects the translation keys used by a set of modules."""

    def __init__(self, modules: Mapping[str, Module]) -> None:
        """Scan these modules."""
        self.modules = modules
        self.resolver = Resolver(modules)
        self.classes: dict[str, list[str]] = {}
        # Entity classes: the description class they take, and their own _attr_name.
        self.takes: dict[str, str] = {}
        self.names: dict[str, ast.expr | None] = {}
        for module in modules.values():
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef):
                    self.classes[node.name] = [_name(base) for base in node.bases]
                    for item in node.body:
                        if isinstance(item, ast.AnnAssign):
                            if _name(item.target) == "entity_description":
                                self.takes[node.name] = _name(item.annotation)
                            elif _name(item.target) == "_attr_name":
                                self.names[node.name] = item.value
                        elif isinstance(item, ast.Assign) and any(
                            _name(target) == "_attr_name" for target in item.targets
                        ):
                            self.names[node.name] = item.value
        self.uses: list[Use] = []
        self.skipped: list[str] = []

    def _ancestors(
        self, name: str, seen: frozenset[str] = frozenset()
    ) -> Iterator[str]:
        yield name
        for base in self.classes.get(name, ()):
            if base not in seen:
                yield from self._ancestors(base, seen | {name})

    def flow_section(
        self, class_name: str | None, module: Module
    ) -> tuple[str, ...] | None:
        """The strings.json section of the flow a method belongs to."""
        names = list(self._ancestors(class_name)) if class_name else []
        for marker, section in FLOW_KINDS:
            if any(marker in name for name in names):
                return section
        # Helpers outside a flow class: the module tells which flow they serve.
        if module.path.startswith("config_flow"):
            return ("config",)
        if module.stem == "repairs":
            return ("issues", ANY, "fix_flow")
        return None

    def named_after_device(self, description_class: str) -> bool:
        """Whether every entity class taking the description sets `_attr_name = None`.

        Such an entity is named after its device (a tracker labelled with the
        car's name): its key is no translation key of strings.json.
        """
        takers = [cls for cls, kind in self.takes.items() if kind == description_class]

        def name_is_none(cls: str) -> bool:
            for ancestor in self._ancestors(cls):
                if ancestor in self.names:
                    value = self.names[ancestor]
                    return isinstance(value, ast.Constant) and value.value is None
            return False

        return bool(takers) and all(name_is_none(cls) for cls in takers)

    def platform(self, module: Module, call_name: str) -> str | None:
        """The entity platform of a description: its module, else its class."""
        if module.stem in PLATFORMS:
            return module.stem
        for name in self._ancestors(call_name):
            if name.endswith("EntityDescription"):
                stem = _snake(name.removesuffix("EntityDescription"))
                if stem == "tracker":
                    return Platform.DEVICE_TRACKER.value
                # The longest match: "smartcar_binary_sensor" is a binary sensor.
                matches = [p for p in PLATFORMS if stem == p or stem.endswith(f"_{p}")]
                if matches:
                    return max(matches, key=len)
        return None

    def _add(
        self,
        module: Module,
        node: ast.AST,
        prefix: tuple[str, ...],
        value: ast.expr | None,
    ) -> None:
        where = f"{module.path}:{getattr(node, 'lineno', 0)}"
        keys = self.resolver.keys(module, value)
        if keys is None:
            self.skipped.append(where)
            return
        self.uses.extend(Use((*prefix, key), where) for key in sorted(keys))

    def scan(self) -> list[Use]:
        """Every resolvable use, in file order."""
        for module in self.modules.values():
            self._scan_body(module, module.tree.body, None)
        return self.uses

    def _scan_body(
        self, module: Module, body: Iterable[ast.stmt], class_name: str | None
    ) -> None:
        for statement in body:
            if isinstance(statement, ast.ClassDef):
                self._scan_body(module, statement.body, statement.name)
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Call):
                    self._scan_call(module, node, class_name)
                elif isinstance(node, ast.Assign):
                    self._scan_assign(module, node, class_name)

    def _scan_call(
        self, module: Module, call: ast.Call, class_name: str | None
    ) -> None:
        name = _name(call.func)
        kwargs = {
            keyword.arg: keyword.value for keyword in call.keywords if keyword.arg
        }
        flow = self.flow_section(class_name, module)

        if flow is not None:
            step = self.resolver.keys(module, kwargs.get("step_id"))
            if "step_id" in kwargs:
                self._add(module, call, (*flow, "step"), kwargs["step_id"])
            if (
                isinstance(options := kwargs.get("menu_options"), ast.List | ast.Tuple)
                and step
            ):
                for option in options.elts:
                    for step_id in step:
                        self._add(
                            module,
                            call,
                            (*flow, "step", step_id, "menu_options"),
                            option,
                        )
            if "reason" in kwargs:
                self._add(module, call, (*flow, "abort"), kwargs["reason"])
            if name == "AbortFlow" and call.args:
                self._add(module, call, (*flow, "abort"), call.args[0])
            if "progress_action" in kwargs:
                self._add(module, call, (*flow, "progress"), kwargs["progress_action"])
            # async_create_entry, or a helper of the flow that wraps it.
            if "create_entry" in name and "description" in kwargs:
                self._add(module, call, (*flow, "create_entry"), kwargs["description"])
            if isinstance(errors := kwargs.get("errors"), ast.Dict):
                for value in errors.values:
                    self._add(module, call, (*flow, "error"), value)

        if "translation_key" in kwargs:
            key = kwargs["translation_key"]
            if name.endswith("create_issue"):
                self._add(module, call, ("issues",), key)
            elif "translation_domain" in kwargs or name.endswith(EXCEPTION_SUFFIXES):
                self._add(module, call, ("exceptions",), key)
            elif name.endswith("SelectorConfig"):
                self._add(module, call, ("selector",), key)
        if any(name_.endswith("EntityDescription") for name_ in self._ancestors(name)):
            if self.named_after_device(name) and "translation_key" not in kwargs:
                return
            if (platform := self.platform(module, name)) is None:
                self.skipped.append(f"{module.path}:{call.lineno}")
            else:
                key = kwargs.get("translation_key", kwargs.get("key"))
                if key is not None:
                    self._add(module, call, ("entity", platform), key)

    def _scan_assign(
        self, module: Module, node: ast.Assign, class_name: str | None
    ) -> None:
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and _name(target.value).lstrip("_") == "errors"
                and (flow := self.flow_section(class_name, module)) is not None
            ):
                self._add(module, node, (*flow, "error"), node.value)
            elif _name(target) == "_attr_translation_key" and module.stem in PLATFORMS:
                self._add(module, node, ("entity", module.stem), node.value)


def scan(sources: Mapping[str, str]) -> list[Use]:
    """The translation keys used by modules given as {relative path: source}."""
    return Scanner(parse(sources)).scan()


def exists(strings: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    """Whether strings.json has the path; "*" matches any key at its level."""
    if not path:
        return True
    head, *rest = path
    if head == ANY:
        return any(
            isinstance(child, Mapping) and exists(child, tuple(rest))
            for child in strings.values()
        )
    child = strings.get(head)
    if not rest:
        return child is not None
    return isinstance(child, Mapping) and exists(child, tuple(rest))


def integration_sources() -> dict[str, str]:
    """Every module of the integration, by path relative to it."""
    return {
        path.relative_to(INTEGRATION).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(INTEGRATION.rglob("*.py"))
    }


# --- the integration -------------------------------------------------------------

USES = scan(integration_sources())


def test_every_translation_key_used_in_code_is_in_strings_json() -> None:
    assert [str(use) for use in USES if not exists(STRINGS, use.path)] == []


def test_the_scan_finds_flow_steps_aborts_and_entities() -> None:
    sections = {use.path[:2] for use in USES}

    assert {("config", "step"), ("config", "abort"), ("options", "step")} <= sections
    assert any(use.path[0] == "entity" for use in USES)


def _descriptions(value: object) -> Iterator[EntityDescription]:
    if isinstance(value, EntityDescription):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _descriptions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _descriptions(item)


def _sets_name_none(cls: type) -> bool:
    """Whether an entity class's `_attr_name` defaults to None.

    Home Assistant's entity metaclass keeps a class default of `_attr_name`
    under `__attr_name` and puts a property in its place.
    """
    for klass in cls.__mro__:
        for name in ("__attr_name", "_attr_name"):
            value = vars(klass).get(name, property())
            if not isinstance(value, property):
                return value is None
    return False


def _named_after_device(module: ModuleType, description: EntityDescription) -> bool:
    """Whether every entity class of the module taking this description sets `_attr_name = None`.

    Such an entity is named after its device (a tracker labelled with the car's
    name) and needs no name in strings.json.
    """
    kind = type(description).__name__
    classes = [
        cls
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, Entity)
        and str(inspect.get_annotations(cls).get("entity_description", "")).endswith(
            kind
        )
    ]
    return bool(classes) and all(_sets_name_none(cls) for cls in classes)


def platform_descriptions() -> list[tuple[str, EntityDescription, bool]]:
    """Each platform's entity descriptions (imported, not scanned), and if named by device."""
    found = []
    # A platform is a module (sensor.py) or a package (sensor/__init__.py).
    names = {path.stem for path in INTEGRATION.glob("*.py")} | {
        path.parent.name for path in INTEGRATION.glob("*/__init__.py")
    }
    for platform in sorted(names & PLATFORMS):
        module = importlib.import_module(f"{PACKAGE}.{platform}")
        for value in vars(module).values():
            found.extend(
                (platform, description, _named_after_device(module, description))
                for description in _descriptions(value)
            )
    return found


DESCRIPTIONS = platform_descriptions()


@pytest.mark.parametrize(
    ("platform", "description", "named_after_device"),
    DESCRIPTIONS,
    ids=[f"{platform}.{description.key}" for platform, description, _ in DESCRIPTIONS],
)
def test_entity_description_has_a_name_and_its_states(
    platform: str, description: EntityDescription, named_after_device: bool
) -> None:
    key = description.translation_key or description.key
    entity = STRINGS.get("entity", {}).get(platform, {}).get(key)

    if named_after_device:
        # Named after its device; strings may still translate its attributes.
        assert entity is None or "name" not in entity
        return
    assert entity is not None, f"entity.{platform}.{key} is not in strings.json"
    # Without a name of its own an entity is named after its device class.
    assert "name" in entity or getattr(description, "device_class", None) is not None
    if isinstance(description, SensorEntityDescription) and (
        description.device_class is SensorDeviceClass.ENUM
    ):
        assert set(description.options or ()) <= set(entity["state"])
    if isinstance(description, EventEntityDescription):
        states = entity["state_attributes"]["event_type"]["state"]
        assert set(description.event_types or ()) <= set(states)


# --- the scanner itself ------------------------------------------------------------

FLOW = """
from homeassistant.config_entries import ConfigFlow, OptionsFlow
from .const import STEP_USER, DOMAIN

def error_key(err):
    if err:
        return "cannot_connect"
    return "unknown"

class Flow(ConfigFlow, domain=DOMAIN):
    async def async_step_user(self, user_input=None):
        errors = {}
        errors["base"] = error_key(user_input)
        if user_input == 1:
            return self.async_abort(reason="already_configured")
        return self.async_show_form(step_id=STEP_USER, errors=errors)

    async def async_step_mode(self, user_input=None):
        return self.async_show_menu(step_id="mode", menu_options=["a", "b"])

class Options(OptionsFlow):
    async def async_step_init(self, user_input=None):
        return self.async_show_form(step_id="init", errors={"base": "bad"})
"""


def paths(sources: Mapping[str, str]) -> set[str]:
    return {".".join(use.path) for use in scan(sources)}


def test_scanner_places_flow_keys_by_class() -> None:
    found = paths(
        {"config_flow.py": FLOW, "const.py": 'STEP_USER = "user"\nDOMAIN = "x"'}
    )

    assert found == {
        "config.error.cannot_connect",
        "config.error.unknown",
        "config.abort.already_configured",
        "config.step.user",
        "config.step.mode",
        "config.step.mode.menu_options.a",
        "config.step.mode.menu_options.b",
        "options.step.init",
        "options.error.bad",
    }


def test_scanner_follows_a_config_flow_package() -> None:
    sources = {
        "config_flow/__init__.py": "from .base import Base\nclass Flow(Base):\n"
        "    def s(self):\n        return self.async_abort(reason=REASON)\n"
        "from .keys import REASON\n",
        "config_flow/base.py": "from homeassistant.config_entries import ConfigFlow\n"
        "class Base(ConfigFlow):\n    pass\n",
        "config_flow/keys.py": 'REASON = "gone"\n',
        "config_flow/options.py": "from homeassistant.config_entries import OptionsFlow\n"
        "class Options(OptionsFlow):\n"
        '    def s(self):\n        return self.async_create_entry(data={}, description="done")\n',
        "config_flow/helpers.py": 'def progress(flow):\n    return flow.async_show_progress(step_id="wait", progress_action="waiting")\n',
    }

    assert paths(sources) == {
        "config.abort.gone",
        "options.create_entry.done",
        "config.step.wait",
        "config.progress.waiting",
    }


def test_scanner_places_issues_repairs_and_exceptions() -> None:
    sources = {
        "__init__.py": "from homeassistant.helpers import issue_registry as ir\n"
        "from .const import ISSUE\n"
        "def f(hass):\n"
        "    ir.async_create_issue(hass, 'd', 'id', translation_key=ISSUE)\n"
        "    raise ConfigEntryNotReady(translation_domain='d', translation_key='offline')\n",
        "const.py": 'from typing import Final\nISSUE: Final = "token_rotated"\n',
        "repairs.py": "class Fix(ConfirmRepairFlow):\n"
        "    def s(self):\n        return self.async_show_form(step_id='confirm')\n",
        "services.py": "def g():\n    raise ServiceValidationError(translation_key='no_vehicle')\n",
    }

    assert paths(sources) == {
        "issues.token_rotated",
        "exceptions.offline",
        "issues.*.fix_flow.step.confirm",
        "exceptions.no_vehicle",
    }


def test_scanner_places_entity_descriptions_by_module_or_class() -> None:
    sources = {
        "sensor.py": "from .store import KEY\n"
        "class CarSensorEntityDescription(SensorEntityDescription):\n    pass\n"
        "SENSORS = (CarSensorEntityDescription(key='range'), "
        "CarSensorEntityDescription(key=KEY), "
        "CarSensorEntityDescription(key='x', translation_key='shared'))\n",
        "store.py": 'KEY = "last_update"\n',
        "descriptions.py": "B = (BinarySensorEntityDescription(key='plugged_in'),"
        " TrackerEntityDescription(key='location'))\n",
        "select.py": "class S:\n    _attr_translation_key = 'mode'\n",
    }

    assert paths(sources) == {
        "entity.sensor.range",
        "entity.sensor.last_update",
        "entity.sensor.shared",
        "entity.binary_sensor.plugged_in",
        "entity.device_tracker.location",
        "entity.select.mode",
    }


def test_scanner_reads_string_enum_members_and_skips_device_named_entities() -> None:
    sources = {
        "models.py": 'class Field(StrEnum):\n    RANGE = "range"\n    LOCATION = "location"\n',
        "sensor.py": "from .models import Field\n"
        "S = (SensorEntityDescription(key=Field.RANGE.value), "
        "SensorEntityDescription(key=Field.RANGE))\n",
        "device_tracker.py": "from .models import Field\n"
        "class Base(TrackerEntity):\n    _attr_name = None\n"
        "class Tracker(Base):\n    entity_description: TrackerEntityDescription\n"
        "T = (TrackerEntityDescription(key=Field.LOCATION.value),)\n",
    }

    assert paths(sources) == {"entity.sensor.range"}


def test_scanner_skips_keys_computed_at_run_time() -> None:
    source = (
        "class Flow(ConfigFlow):\n"
        "    def s(self, err):\n"
        "        return self.async_abort(reason=str(err))\n"
        "    def t(self, field):\n"
        "        return SensorEntityDescription(key=field.value)\n"
    )

    scanner = Scanner(parse({"sensor.py": source}))

    assert scanner.scan() == []
    assert scanner.skipped == ["sensor.py:3", "sensor.py:5"]


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (("config", "step", "user"), True),
        (("config", "step", "nope"), False),
        (("issues", ANY, "fix_flow", "step", "confirm"), True),
        (("issues", ANY, "fix_flow", "step", "other"), False),
        (("entity", "sensor", "range"), True),
    ],
)
def test_exists_follows_paths_and_wildcards(path: tuple[str, ...], found: bool) -> None:
    strings = {
        "config": {"step": {"user": {"title": "T"}}},
        "issues": {"a": {"title": "A"}, "b": {"fix_flow": {"step": {"confirm": {}}}}},
        "entity": {"sensor": {"range": {"name": "Range"}}},
    }

    assert exists(strings, path) is found


class _NamedByDevice(Entity):
    _attr_name = None


class _NamedByTranslation(Entity):
    _attr_has_entity_name = True


def test_an_entity_class_naming_itself_after_its_device_is_recognised() -> None:
    assert _sets_name_none(_NamedByDevice)
    assert not _sets_name_none(_NamedByTranslation)
