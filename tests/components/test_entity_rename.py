"""Renaming an entity id: in place, as Home Assistant 2026.11 expects."""

from __future__ import annotations

import importlib
import inspect

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks import PLATFORMS
from custom_components.smartcar_webhooks.const import DOMAIN
from tests.conftest import PostDelivery, load_fixture

# The methods after which HA 2026.11 re-adds an entity on a rename, unless the
# class (or a subclass of it) defines `async_entity_id_changed`.
ADD_REMOVE_METHODS = (
    "async_prepare_to_add_to_hass",
    "async_added_to_hass",
    "async_will_remove_from_hass",
)
V4 = "9df3e999-f80f-4893-9c42-d3e9f351e174"


def _ours(cls: type) -> bool:
    return cls.__module__.startswith("custom_components.smartcar_webhooks")


def _entity_classes() -> list[type[Entity]]:
    classes: list[type[Entity]] = []
    for platform in PLATFORMS:
        module = importlib.import_module(
            f"custom_components.smartcar_webhooks.{platform}"
        )
        classes.extend(
            cls
            for _name, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Entity) and _ours(cls)
        )
    return classes


@pytest.mark.parametrize(
    "entity_class", _entity_classes(), ids=lambda cls: cls.__name__
)
def test_entity_class_is_renamed_in_place(entity_class: type[Entity]) -> None:
    """The rule of HA 2026.11's `_entity_class_requires_readd`, for our classes."""
    mro = [cls for cls in entity_class.__mro__ if _ours(cls)]
    owners = [cls for cls in mro if "async_entity_id_changed" in cls.__dict__]
    needs_readd = [
        cls.__name__
        for cls in mro
        if any(method in cls.__dict__ for method in ADD_REMOVE_METHODS)
        and not any(issubclass(owner, cls) for owner in owners)
    ]
    assert needs_readd == []


async def test_renamed_entity_keeps_following_deliveries(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert await async_setup_component(hass, "webhook", {})
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    registry = er.async_get(hass)
    old = registry.async_get_entity_id("sensor", DOMAIN, f"{V4}_battery_level")
    assert old is not None

    registry.async_update_entity(old, new_entity_id="sensor.my_car_battery")
    await hass.async_block_till_done()
    later = load_fixture("v4_vehicle_state.json")
    later["eventId"] = "later"
    signal = next(
        s
        for s in later["data"]["signals"]
        if s["code"] == "tractionbattery-stateofcharge"
    )
    signal["body"]["value"] = 55
    signal["meta"]["oemUpdatedAt"] += 60_000
    await post_delivery(later)

    assert hass.states.get(old) is None
    assert hass.states.get("sensor.my_car_battery").state == "55.0"


def test_rename_hook_needs_nothing_re_keyed(hass: HomeAssistant) -> None:
    """Listeners are keyed on (vehicle, key), so the hook only defers to its base."""
    from custom_components.smartcar_webhooks.sensor import SENSORS, SmartcarSensor
    from custom_components.smartcar_webhooks.smartcar import VehicleInfo
    from custom_components.smartcar_webhooks.store import VehicleStore
    from custom_components.smartcar_webhooks.vehicle import VehicleState

    store = VehicleStore(hass, "entry")
    entity = SmartcarSensor(store, VehicleState(V4, VehicleInfo(V4)), SENSORS[0], set())

    entity.async_entity_id_changed("sensor.old_name")

    assert entity.unique_id == f"{V4}_battery_level"
