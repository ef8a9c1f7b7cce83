"""Every flow result a test sees must be fully translated.

Home Assistant core checks this for its own integrations (`check_translations`);
the test plugin for custom integrations does not. `check_flow_translations`
wraps the public flow APIs (config and options) and checks each result they
return: its step, fields, selector options, errors, menu options, progress
action, abort reason and entry description exist in `strings.json`, and every
placeholder a text uses is given. Placeholders must carry data, never words:
a text built in code could not be translated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
import json
from pathlib import Path
import re
from typing import Any

import homeassistant.components.homeassistant as ha_component
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager, FlowResultType
from homeassistant.helpers.selector import Selector

from custom_components.smartcar_webhooks.const import DOMAIN

INTEGRATION = Path(__file__).parents[2] / "custom_components" / DOMAIN
# The resolved English Home Assistant reads (strings.json may hold references).
STRINGS: dict[str, Any] = json.loads(
    (INTEGRATION / "translations" / "en.json").read_text()
)
HA_STRINGS: dict[str, Any] = json.loads(
    (Path(ha_component.__file__).parent / "translations" / "en.json").read_text()
)
PLACEHOLDER = re.compile(r"{(\w+)}")


def _text(strings: dict[str, Any], *path: str) -> str:
    """The text at a path; fails the test naming the missing key."""
    node: Any = strings
    for key in path:
        assert isinstance(node, dict) and key in node, f"untranslated: {'.'.join(path)}"
        node = node[key]
    assert isinstance(node, str), f"not a text: {'.'.join(path)}"
    return node


def _placeholders_given(text: str, placeholders: dict[str, Any] | None) -> None:
    missing = set(PLACEHOLDER.findall(text)) - set(placeholders or {})
    assert not missing, f"placeholders {missing} missing for {text!r}"


def _field_names(result: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    schema = result.get("data_schema")
    if schema is None:
        return
    for key, value in schema.schema.items():
        yield str(key), value


def check_result(section: str, result: dict[str, Any]) -> None:
    """Check one result of a config (`config`) or options (`options`) flow."""
    kind = result["type"]
    placeholders = result.get("description_placeholders")
    if kind is FlowResultType.FORM:
        step = _text_node(section, "step", result["step_id"])
        for part in ("title", "description"):
            if part in step:
                _placeholders_given(step[part], placeholders)
        for name, value in _field_names(result):
            _text(STRINGS, section, "step", result["step_id"], "data", name)
            if isinstance(value, Selector) and (
                key := value.config.get("translation_key")
            ):
                for option in value.config["options"]:
                    _text(STRINGS, "selector", key, "options", option)
        for error in (result.get("errors") or {}).values():
            _placeholders_given(_text(STRINGS, section, "error", error), placeholders)
    elif kind is FlowResultType.MENU:
        step = _text_node(section, "step", result["step_id"])
        for option in result["menu_options"]:
            _text(step, "menu_options", option)
        _placeholders_given(step.get("description", ""), placeholders)
    elif kind is FlowResultType.SHOW_PROGRESS:
        text = _text(STRINGS, section, "progress", result["progress_action"])
        _placeholders_given(text, placeholders)
        _text_node(section, "step", result["step_id"])
    elif kind is FlowResultType.ABORT:
        strings = HA_STRINGS if result.get("translation_domain") else STRINGS
        text = _text(strings, section, "abort", result["reason"])
        _placeholders_given(text, placeholders)
    elif kind is FlowResultType.CREATE_ENTRY and result.get("description"):
        text = _text(STRINGS, section, "create_entry", result["description"])
        _placeholders_given(text, placeholders)


def _text_node(section: str, *path: str) -> dict[str, Any]:
    node: Any = STRINGS[section]
    for key in path:
        assert key in node, f"untranslated: {section}.{'.'.join(path)}"
        node = node[key]
    return dict(node)


def _checked(
    section: str, call: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    async def checked(*args: Any, **kwargs: Any) -> Any:
        result = await call(*args, **kwargs)
        check_result(section, result)
        return result

    return checked


def check_flow_translations(hass: HomeAssistant) -> None:
    """Check every result the config and options flow managers return from now."""
    managers: list[tuple[str, FlowManager[Any, Any, Any]]] = [
        ("config", hass.config_entries.flow),
        ("options", hass.config_entries.options),
    ]
    for section, manager in managers:
        for name in ("async_init", "async_configure"):
            setattr(manager, name, _checked(section, getattr(manager, name)))
