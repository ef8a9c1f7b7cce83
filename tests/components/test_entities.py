"""Entities: what deliveries create, how they show values, and how they restore."""

from __future__ import annotations

import copy
from datetime import timedelta
import json
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_OPTIONS
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar_webhooks import async_remove_config_entry_device
from custom_components.smartcar_webhooks.const import DOMAIN
from tests.conftest import PostDelivery, load_fixture

FIXTURES = Path(__file__).parent.parent / "fixtures"
V1 = "d329211c-3829-4685-9f7e-b1216460d4a3"  # v2_dynamic, first vehicle
V2 = "61203471-718e-4ac0-ac71-a13b5ac2dee6"  # v2_dynamic, location asleep
V4 = "9df3e999-f80f-4893-9c42-d3e9f351e174"  # v4 fixtures
SEED_VEHICLE = "00000000-0000-4000-A000-000000000000"

FIELD_KEYS = {
    "battery_level": "sensor",
    "range": "sensor",
    "charging_state": "sensor",
    "plugged_in": "binary_sensor",
    "charging": "binary_sensor",
    "location": "device_tracker",
}


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def _entity_id(hass: HomeAssistant, platform: str, vehicle_id: str, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{vehicle_id}_{key}"
    )
    assert entity_id is not None, f"no {platform} entity {vehicle_id}_{key}"
    return entity_id


def _has_entity(hass: HomeAssistant, platform: str, vehicle_id: str, key: str) -> bool:
    return (
        er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{vehicle_id}_{key}")
        is not None
    )


def _state(hass: HomeAssistant, platform: str, vehicle_id: str, key: str) -> State:
    state = hass.states.get(_entity_id(hass, platform, vehicle_id, key))
    assert state is not None
    return state


def _device(hass: HomeAssistant, vehicle_id: str) -> dr.DeviceEntry:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, vehicle_id), entry.entry_id
    )
    assert device is not None
    return device


def _v2_item(document: dict[str, Any], vehicle: int, path: str) -> dict[str, Any]:
    return next(
        item
        for item in document["payload"]["vehicles"][vehicle]["data"]
        if item["path"] == path
    )


def _v2_single(
    vehicle_id: str, request_id: str, *items: dict[str, Any]
) -> dict[str, Any]:
    """A 2.0 dynamic delivery of one vehicle with the given data items."""
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    document["payload"]["vehicles"] = [
        {"vehicleId": vehicle_id, "requestId": request_id, "data": list(items)}
    ]
    return document


def _battery_item(fraction: float, at: str, range_km: float = 300.0) -> dict[str, Any]:
    return {
        "path": "/battery",
        "code": 200,
        "body": {"range": range_km, "percentRemaining": fraction},
        "headers": {"sc-data-age": at},
    }


def _v4_signal(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in document["data"]["signals"] if s["code"] == code)


# --- what a delivery creates ------------------------------------------------------


async def test_v2_dynamic_creates_entities_with_vehicle_unique_ids(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    assert (await post_delivery(load_fixture("v2_dynamic.json"))).status == 200

    registry = er.async_get(hass)
    device = _device(hass, V1)
    for key, platform in FIELD_KEYS.items():
        entity_id = _entity_id(hass, platform, V1, key)
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.unique_id == f"{V1}_{key}"
        assert entry.device_id == device.id
        assert entry.config_entry_id == setup_entry.entry_id


async def test_v2_dynamic_creates_a_device_per_vehicle(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    device = _device(hass, V1)
    assert device.name == "Smartcar vehicle d329211c"
    assert device.manufacturer is None
    assert device.model is None
    assert device.config_entry_id == setup_entry.entry_id
    assert _device(hass, V2).id != device.id


async def test_v2_dynamic_sensor_states(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    battery = _state(hass, "sensor", V1, "battery_level")
    assert battery.state == "73.0"
    assert battery.attributes[ATTR_UNIT_OF_MEASUREMENT] == "%"
    range_ = _state(hass, "sensor", V1, "range")
    assert float(range_.state) == pytest.approx(312.5)
    assert range_.attributes[ATTR_UNIT_OF_MEASUREMENT] == "km"
    charging_state = _state(hass, "sensor", V1, "charging_state")
    assert charging_state.state == "charging"
    assert charging_state.attributes[ATTR_OPTIONS] == [
        "charging",
        "fully_charged",
        "not_charging",
    ]


async def test_v2_dynamic_binary_sensor_states(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    assert _state(hass, "binary_sensor", V1, "plugged_in").state == STATE_ON
    assert _state(hass, "binary_sensor", V1, "charging").state == STATE_ON
    assert _state(hass, "binary_sensor", V2, "plugged_in").state == STATE_OFF
    assert _state(hass, "binary_sensor", V2, "charging").state == STATE_OFF
    assert _state(hass, "sensor", V2, "charging_state").state == "not_charging"


async def test_v2_dynamic_tracker_has_coordinates(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    location = _state(hass, "device_tracker", V1, "location")
    assert location.attributes["latitude"] == pytest.approx(48.1372)
    assert location.attributes["longitude"] == pytest.approx(11.5755)
    assert location.attributes["source_type"] == "gps"
    assert "heading" not in location.attributes


async def test_tracker_is_a_primary_entity_not_diagnostic(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """Trackers default to diagnostic; the car on the map is what users want."""
    await post_delivery(load_fixture("v2_dynamic.json"))

    entity_id = _state(hass, "device_tracker", V1, "location").entity_id
    assert er.async_get(hass).async_get(entity_id).entity_category is None


async def test_location_only_ever_in_error_makes_no_tracker(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))
    assert not _has_entity(hass, "device_tracker", V2, "location")
    assert _has_entity(hass, "sensor", V2, "battery_level")


async def test_tracker_whose_location_turns_into_an_error_is_unavailable(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))
    error = copy.deepcopy(load_fixture("v2_dynamic.json"))
    error["payload"]["vehicles"][0]["requestId"] = "location-error"
    location = _v2_item(error, 0, "/location")
    location["code"] = 409
    location["body"] = {"type": "VEHICLE_STATE", "code": "ASLEEP"}
    # The car recorded its battery after the position it had.
    _v2_item(error, 0, "/battery")["headers"]["sc-data-age"] = (
        "2025-12-14T08:10:00.000Z"
    )

    await post_delivery(error)

    assert _state(hass, "device_tracker", V1, "location").state == STATE_UNAVAILABLE


async def test_v2_error_in_a_body_older_than_the_value_changes_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """A 2.0 body has no delivery time: its newest car time orders its errors.

    So a late retry (or a replay) of an old body cannot hide a newer position.
    """
    await post_delivery(load_fixture("v2_dynamic.json"))  # position of 08:05:30
    old = copy.deepcopy(load_fixture("v2_dynamic.json"))
    old["payload"]["vehicles"][0]["requestId"] = "older-body"
    location = _v2_item(old, 0, "/location")
    location["code"] = 409
    location["body"] = {"type": "VEHICLE_STATE", "code": "ASLEEP"}
    location["headers"] = {"sc-fetched-at": "2025-12-14T08:01:00.000Z"}  # rest 08:00

    await post_delivery(old)

    assert _state(hass, "device_tracker", V1, "location").state != STATE_UNAVAILABLE


async def test_v4_tracker_has_heading_attribute(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    location = _state(hass, "device_tracker", V4, "location")
    assert location.attributes["latitude"] == pytest.approx(52.5163)
    assert location.attributes["longitude"] == pytest.approx(13.3777)
    assert location.attributes["heading"] == pytest.approx(271.5)


async def test_seed_example_with_trailing_comma_removed(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    text = (FIXTURES / "seed_dynamic_trailing_comma.txt").read_text()
    body = re.sub(r",(\s*[}\]])", r"\1", text)
    json.loads(body)  # valid JSON now

    assert (await post_delivery(body)).status == 200

    assert float(
        _state(hass, "sensor", SEED_VEHICLE, "battery_level").state
    ) == pytest.approx(58)
    assert float(_state(hass, "sensor", SEED_VEHICLE, "range").state) == (
        pytest.approx(283.244544)
    )
    assert _state(hass, "binary_sensor", SEED_VEHICLE, "plugged_in").state == STATE_OFF
    assert _state(hass, "sensor", SEED_VEHICLE, "charging_state").state == (
        "not_charging"
    )
    location = _state(hass, "device_tracker", SEED_VEHICLE, "location")
    assert location.attributes["latitude"] == pytest.approx(37.4292)
    assert location.attributes["longitude"] == pytest.approx(122.1381)


# --- units --------------------------------------------------------------------------


async def test_imperial_delivery_on_metric_instance_shows_km(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_scheduled_imperial.json"))

    range_ = _state(hass, "sensor", V1, "range")
    assert float(range_.state) == pytest.approx(160.9344)
    assert range_.attributes[ATTR_UNIT_OF_MEASUREMENT] == "km"
    odometer = _state(hass, "sensor", V1, "odometer")
    assert float(odometer.state) == pytest.approx(12000 * 1.609344)
    assert float(_state(hass, "sensor", V1, "fuel_range").state) == pytest.approx(
        250 * 1.609344
    )


async def test_imperial_tires_and_fuel_are_converted_to_kpa_and_liters(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_scheduled_imperial.json"))

    tire = _state(hass, "sensor", V1, "tire_pressure_front_left")
    assert float(tire.state) == pytest.approx(35 * 6.894757, rel=1e-6)
    assert tire.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kPa"
    fuel = _state(hass, "sensor", V1, "fuel_amount")
    assert float(fuel.state) == pytest.approx(37.854, rel=1e-4)
    assert fuel.attributes[ATTR_UNIT_OF_MEASUREMENT] == "L"
    assert float(_state(hass, "sensor", V1, "charge_limit").state) == pytest.approx(90)
    assert float(_state(hass, "sensor", V1, "fuel_level").state) == pytest.approx(60)


async def test_us_customary_instance_shows_range_in_miles(
    hass: HomeAssistant, config_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    hass.config.units = US_CUSTOMARY_SYSTEM
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    await post_delivery(load_fixture("v2_scheduled_imperial.json"))

    range_ = _state(hass, "sensor", V1, "range")
    assert range_.attributes[ATTR_UNIT_OF_MEASUREMENT] == "mi"
    assert float(range_.state) == pytest.approx(100)


# --- newest wins, and only changes write -----------------------------------------


async def test_older_reading_does_not_replace_newer_one(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    newer = _v2_single(V1, "newer", _battery_item(0.8, "2025-12-14T09:00:00Z"))
    await post_delivery(newer)
    assert _state(hass, "sensor", V1, "battery_level").state == "80.0"

    await post_delivery(load_fixture("v2_dynamic.json"))  # battery at 08:00

    assert _state(hass, "sensor", V1, "battery_level").state == "80.0"
    assert float(_state(hass, "sensor", V1, "range").state) == pytest.approx(300)


async def test_older_delivery_still_sets_fields_without_newer_data(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    newer = _v2_single(V1, "newer", _battery_item(0.8, "2025-12-14T09:00:00Z"))
    await post_delivery(newer)
    assert not _has_entity(hass, "sensor", V1, "charging_state")

    await post_delivery(load_fixture("v2_dynamic.json"))

    assert _state(hass, "sensor", V1, "charging_state").state == "charging"
    assert _state(hass, "binary_sensor", V1, "plugged_in").state == STATE_ON


async def test_same_values_again_do_not_write_field_states(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    post_delivery: PostDelivery,
    freezer: FrozenDateTimeFactory,
) -> None:
    # last_delivery is disabled by default: register it enabled before setup.
    config_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    last_delivery_id = registry.async_get_or_create(
        "sensor", DOMAIN, f"{V1}_last_delivery", config_entry=config_entry
    ).entity_id
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await post_delivery(load_fixture("v2_dynamic.json"))
    battery_before = _state(hass, "sensor", V1, "battery_level")
    last_delivery_before = hass.states.get(last_delivery_id)
    assert last_delivery_before is not None
    assert last_delivery_before.state != STATE_UNKNOWN

    freezer.tick(timedelta(minutes=30))
    again = copy.deepcopy(load_fixture("v2_dynamic.json"))
    for index, vehicle in enumerate(again["payload"]["vehicles"]):
        vehicle["requestId"] = f"second-request-{index}"
    assert await (await post_delivery(again)).json() == {"status": "ok"}

    battery_after = _state(hass, "sensor", V1, "battery_level")
    assert battery_after.last_reported == battery_before.last_reported
    assert battery_after.last_updated == battery_before.last_updated
    last_delivery_after = hass.states.get(last_delivery_id)
    assert last_delivery_after is not None
    assert last_delivery_after.state != last_delivery_before.state


# --- entities some cars have ------------------------------------------------------


async def test_fields_only_some_cars_report_appear_with_first_reading(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["data"]["vehicle"]["id"] = V1
    await post_delivery(load_fixture("v2_dynamic.json"))
    for key in ("odometer", "tire_pressure_front_left", "battery_capacity"):
        assert not _has_entity(hass, "sensor", V1, key)
    assert not _has_entity(hass, "binary_sensor", V1, "locked")

    await post_delivery(document)

    assert float(_state(hass, "sensor", V1, "odometer").state) == pytest.approx(18250.4)
    assert float(
        _state(hass, "sensor", V1, "tire_pressure_back_right").state
    ) == pytest.approx(35.5 * 6.894757, rel=1e-6)
    assert float(_state(hass, "sensor", V1, "battery_capacity").state) == (
        pytest.approx(77.4)
    )
    # The lock device class is on when unlocked.
    assert _state(hass, "binary_sensor", V1, "locked").state == STATE_OFF


async def test_unlocked_car_shows_lock_on(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    _v4_signal(document, "closure-islocked")["body"]["value"] = False

    await post_delivery(document)

    assert _state(hass, "binary_sensor", V4, "locked").state == STATE_ON


async def test_field_in_error_never_seen_creates_no_entity(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))  # fuel level: ERROR
    assert not _has_entity(hass, "sensor", V4, "fuel_level")
    assert _has_entity(hass, "sensor", V4, "odometer")


async def test_field_whose_latest_reading_is_an_error_is_unavailable(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))
    asleep = {
        "path": "/battery",
        "code": 409,
        "body": {"type": "VEHICLE_STATE", "code": "ASLEEP"},
        "headers": {"sc-fetched-at": "2025-12-14T08:30:00Z"},
    }

    await post_delivery(_v2_single(V1, "asleep", asleep))

    assert _state(hass, "sensor", V1, "battery_level").state == STATE_UNAVAILABLE
    assert _state(hass, "sensor", V1, "range").state == STATE_UNAVAILABLE
    assert _state(hass, "sensor", V1, "charging_state").state == "charging"


async def test_field_in_error_is_available_again_with_a_good_reading(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    asleep = {
        "path": "/battery",
        "code": 409,
        "body": {"type": "VEHICLE_STATE", "code": "ASLEEP"},
        "headers": {"sc-fetched-at": "2025-12-14T08:30:00Z"},
    }
    await post_delivery(load_fixture("v2_dynamic.json"))
    await post_delivery(_v2_single(V1, "asleep", asleep))

    await post_delivery(
        _v2_single(V1, "awake", _battery_item(0.9, "2025-12-14T09:00:00Z"))
    )

    assert _state(hass, "sensor", V1, "battery_level").state == "90.0"


async def test_last_delivery_is_disabled_by_default(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    entry = er.async_get(hass).async_get(
        _entity_id(hass, "sensor", V1, "last_delivery")
    )
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert entry.entity_category is EntityCategory.DIAGNOSTIC


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_last_update_is_a_diagnostic_timestamp_of_newest_reading(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    entity_id = _entity_id(hass, "sensor", V1, "last_update")
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "2025-12-14T08:05:30+00:00"
    assert state.attributes["device_class"] == "timestamp"


# --- problems and charging events (more in test_events.py) -------------------------------------------------


async def test_vehicle_error_turns_problem_on_with_errors(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_error.json"))

    problem = _state(hass, "binary_sensor", V4, "problem")
    assert problem.state == STATE_ON
    assert problem.attributes["errors"] == [
        {
            "type": "CONNECTED_SERVICES_ACCOUNT",
            "code": "AUTHENTICATION_FAILED",
            "resolution": "REAUTHENTICATE",
        },
        {"type": "PERMISSION", "code": None, "resolution": None},
    ]


def _signal_error(
    document: dict[str, Any], code: str, error_type: str, error_code: str | None
) -> None:
    signal = _v4_signal(document, code)
    signal["status"] = {
        "value": "ERROR",
        "error": {"type": error_type, "code": error_code},
    }
    signal.pop("body", None)


async def test_transient_field_error_is_listed_but_is_no_problem(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    later = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    later["eventId"] = "later"
    _signal_error(later, "tractionbattery-range", "SERVER", "INTERNAL")

    await post_delivery(later)

    problem = _state(hass, "binary_sensor", V4, "problem")
    assert problem.state == STATE_OFF
    assert problem.attributes["field_errors"] == {"range": "SERVER/INTERNAL"}


async def test_permission_field_error_is_a_problem(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    later = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    later["eventId"] = "later"
    _signal_error(later, "location-preciselocation", "PERMISSION", None)

    await post_delivery(later)

    problem = _state(hass, "binary_sensor", V4, "problem")
    assert problem.state == STATE_ON
    assert problem.attributes["field_errors"] == {"location": "PERMISSION"}


async def test_compatibility_vehicle_error_is_no_problem(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v4_vehicle_error.json"))
    document["data"]["errors"] = [
        {
            "type": "COMPATIBILITY",
            "code": "VEHICLE_NOT_CAPABLE",
            "state": "ERROR",
            "resolution": {"type": None},
            "signals": [{"code": "internalcombustionengine-fuellevel"}],
        }
    ]

    await post_delivery(document)

    assert _state(hass, "binary_sensor", V4, "problem").state == STATE_OFF


async def test_resolved_vehicle_errors_turn_problem_off(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_error.json"))
    resolved = copy.deepcopy(load_fixture("v4_vehicle_error.json"))
    resolved["eventId"] = "resolved-event"
    for error in resolved["data"]["errors"]:
        error["state"] = "RESOLVED"

    await post_delivery(resolved)

    problem = _state(hass, "binary_sensor", V4, "problem")
    assert problem.state == STATE_OFF
    assert problem.attributes["errors"] == []


async def test_resolving_one_error_keeps_problem_on(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_error.json"))
    resolved = copy.deepcopy(load_fixture("v4_vehicle_error.json"))
    resolved["eventId"] = "resolved-event"
    resolved["data"]["errors"] = [
        {**resolved["data"]["errors"][0], "state": "RESOLVED"}
    ]

    await post_delivery(resolved)

    problem = _state(hass, "binary_sensor", V4, "problem")
    assert problem.state == STATE_ON
    assert [error["type"] for error in problem.attributes["errors"]] == ["PERMISSION"]


async def test_charging_event_of_unknown_vehicle_creates_its_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_event_based.json"))

    assert _device(hass, V1).name == "Smartcar vehicle d329211c"
    assert not _has_entity(hass, "sensor", V1, "battery_level")


# --- devices ----------------------------------------------------------------------


async def test_second_vehicle_in_later_delivery_gets_device_and_entities(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    assert not _has_entity(hass, "sensor", V1, "battery_level")

    await post_delivery(load_fixture("v2_dynamic.json"))

    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), setup_entry.entry_id
    )
    assert {
        vehicle_id for device in devices for _, vehicle_id in device.identifiers
    } == {V1, V2, V4}
    assert _state(hass, "sensor", V1, "battery_level").state == "73.0"
    assert _state(hass, "sensor", V2, "battery_level").state == "41.0"
    assert _state(hass, "sensor", V4, "battery_level").state == "67.0"


async def test_v4_vehicle_info_names_the_device(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    device = _device(hass, V4)
    assert device.manufacturer == "Kia"
    assert device.model == "EV6 (2023)"
    assert device.name == "Kia EV6"


async def test_v4_vehicle_info_updates_a_device_known_from_v2(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["data"]["vehicle"] = {
        "id": V1,
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2022,
    }

    await post_delivery(document)

    device = _device(hass, V1)
    assert device.manufacturer == "Volkswagen"
    assert device.model == "ID.4 (2022)"
    assert device.name == "Volkswagen ID.4"


async def test_later_v2_delivery_keeps_v4_device_info(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["data"]["vehicle"]["id"] = V1
    await post_delivery(document)

    await post_delivery(load_fixture("v2_dynamic.json"))

    assert _device(hass, V1).manufacturer == "Kia"


async def test_model_named_after_make_is_not_repeated(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    document["data"]["vehicle"] = {"id": V4, "make": "POLESTAR", "model": "Polestar 2"}

    await post_delivery(document)

    device = _device(hass, V4)
    assert device.name == "Polestar 2"
    assert device.model == "Polestar 2"


# --- restart ----------------------------------------------------------------------


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_reload_restores_values_and_keeps_newest_wins(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))
    await post_delivery(load_fixture("v4_vehicle_error.json"))

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await hass.async_block_till_done()

    assert _state(hass, "sensor", V4, "battery_level").state == "67.0"
    location = _state(hass, "device_tracker", V4, "location")
    assert location.attributes["heading"] == pytest.approx(271.5)
    assert _state(hass, "binary_sensor", V4, "problem").state == STATE_ON
    assert _state(hass, "binary_sensor", V4, "charging").state == STATE_ON
    # The newest time the car recorded (the capacity's oemUpdatedAt 0 is none).
    assert _state(hass, "sensor", V4, "last_update").state == (
        "2025-12-14T08:00:00+00:00"
    )
    older = copy.deepcopy(load_fixture("v4_vehicle_state.json"))
    older["eventId"] = "older-event"
    signal = _v4_signal(older, "tractionbattery-stateofcharge")
    signal["body"]["value"] = 20
    signal["meta"]["oemUpdatedAt"] -= 3_600_000
    await post_delivery(older)
    assert _state(hass, "sensor", V4, "battery_level").state == "67.0"


async def test_removed_vehicle_comes_back_with_entities_on_next_delivery(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    """A vehicle the user removed comes back, entities included, when it delivers."""
    await post_delivery(load_fixture("v2_dynamic.json"))
    device = _device(hass, V1)
    assert await async_remove_config_entry_device(hass, setup_entry, device)
    dr.async_get(hass).async_remove_device(device.id)
    await hass.async_block_till_done()
    assert not _has_entity(hass, "sensor", V1, "battery_level")

    again = _v2_single(V1, "after-removal", _battery_item(0.73, "2025-12-14T09:00:00Z"))
    await post_delivery(again)

    assert _device(hass, V1) is not None
    assert _state(hass, "sensor", V1, "battery_level").state == "73.0"


# --- more of what cars send (issue 9.7) ---------------------------------------------

EX30 = "4f8a2c1e-9b7d-4e3a-8c6f-2d1b0a9e7c54"  # v4_vehicle_state_charging


async def test_firmware_version_is_the_device_software_version(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state_charging.json"))
    newer = load_fixture("v4_vehicle_state_charging.json")
    newer["eventId"] = "newer"
    firmware = _v4_signal(newer, "connectivitysoftware-currentfirmwareversion")
    firmware["body"]["value"] = "5.0.1"
    firmware["meta"]["oemUpdatedAt"] += 60_000

    first = _device(hass, EX30).sw_version
    await post_delivery(newer)

    assert first is not None
    assert _device(hass, EX30).sw_version == "5.0.1"


async def test_tracker_says_whether_the_position_is_live_or_last_parked(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state.json"))

    tracker = _state(hass, "device_tracker", V4, "location")
    assert tracker.attributes["location_type"] == "last_parked"


async def test_charging_finishes_at_the_car_time_plus_the_minutes_left(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = load_fixture("v4_vehicle_state_charging.json")
    signal = _v4_signal(document, "charge-timetocomplete")
    signal["body"]["value"] = 45
    signal["meta"]["oemUpdatedAt"] = 1765699200000  # 2025-12-14T08:00:00Z

    await post_delivery(document)

    finishes = _state(hass, "sensor", EX30, "time_to_full")
    assert finishes.state == "2025-12-14T08:45:00+00:00"


def _charging_with(event: str, recorded_ms: int, minutes: int) -> dict[str, Any]:
    document = load_fixture("v4_vehicle_state_charging.json")
    document["eventId"] = event
    document["meta"]["deliveryId"] = event
    for item in document["data"]["signals"]:
        if "meta" in item:
            item["meta"]["oemUpdatedAt"] = recorded_ms
    _v4_signal(document, "charge-timetocomplete")["body"]["value"] = minutes
    return document


async def test_charging_finishes_keeps_its_time_while_the_estimate_only_jitters(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    at_eight = 1765699200000  # 2025-12-14T08:00:00Z
    await post_delivery(_charging_with("first", at_eight, 45))
    first = _state(hass, "sensor", EX30, "time_to_full")

    # A minute later the car says 46 minutes: finishing two minutes later.
    await post_delivery(_charging_with("jitter", at_eight + 60_000, 46))

    again = _state(hass, "sensor", EX30, "time_to_full")
    assert again.state == "2025-12-14T08:45:00+00:00"
    assert again.last_changed == first.last_changed


async def test_charging_finishes_moves_when_the_estimate_really_changes(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    at_eight = 1765699200000  # 2025-12-14T08:00:00Z
    await post_delivery(_charging_with("first", at_eight, 45))

    await post_delivery(_charging_with("slower", at_eight + 60_000, 80))

    finishes = _state(hass, "sensor", EX30, "time_to_full")
    assert finishes.state == "2025-12-14T09:21:00+00:00"


async def test_last_update_is_disabled_by_default(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v2_dynamic.json"))

    entry = er.async_get(hass).async_get(_entity_id(hass, "sensor", V1, "last_update"))
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_charging_finishes_is_unknown_when_nothing_is_left(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    document = load_fixture("v4_vehicle_state_charging.json")
    _v4_signal(document, "charge-timetocomplete")["body"]["value"] = 0

    await post_delivery(document)

    assert _state(hass, "sensor", EX30, "time_to_full").state == STATE_UNKNOWN


async def test_an_open_door_turns_doors_on_with_each_door_listed(
    hass: HomeAssistant, setup_entry: MockConfigEntry, post_delivery: PostDelivery
) -> None:
    await post_delivery(load_fixture("v4_vehicle_state_charging.json"))

    doors = _state(hass, "binary_sensor", EX30, "doors")
    assert doors.state == STATE_ON
    assert any(item["open"] for item in doors.attributes["items"])
    assert {"row", "column", "open", "locked"} <= set(doors.attributes["items"][0])
