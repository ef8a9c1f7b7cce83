"""Upgrading from 0.1: its entities' restore data becomes the stored vehicle state."""

from __future__ import annotations

import copy
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)

from custom_components.smartcar_webhooks.const import DOMAIN
from tests.conftest import PostDelivery, load_fixture

V1 = "d329211c-3829-4685-9f7e-b1216460d4a3"  # v2_dynamic, first vehicle


@pytest.fixture(autouse=True)
async def webhook_component(hass: HomeAssistant) -> None:
    """Webhook (and http) set up before `post_delivery` opens its client."""
    assert await async_setup_component(hass, "webhook", {})


def _battery_item(fraction: float, at: str, range_km: float = 300.0) -> dict[str, Any]:
    return {
        "path": "/battery",
        "code": 200,
        "body": {"range": range_km, "percentRemaining": fraction},
        "headers": {"sc-data-age": at},
    }


def _v2_single(
    vehicle_id: str, request_id: str, *items: dict[str, Any]
) -> dict[str, Any]:
    document = copy.deepcopy(load_fixture("v2_dynamic.json"))
    document["payload"]["vehicles"] = [
        {"vehicleId": vehicle_id, "requestId": request_id, "data": list(items)}
    ]
    return document


RECORDED = "2025-12-14T09:00:00+00:00"


@pytest.fixture
def known_vehicle(hass: HomeAssistant, config_entry: MockConfigEntry) -> str:
    """V1 known from an earlier run: a device and registered entities."""
    config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, V1)},
        name="Car",
        manufacturer="Smartcar",
    )
    registry = er.async_get(hass)
    for platform, key in (
        ("sensor", "battery_level"),
        ("sensor", "range"),
        ("sensor", "charging_state"),
        ("sensor", "odometer"),
        ("sensor", "last_update"),
        ("binary_sensor", "plugged_in"),
        ("binary_sensor", "charging"),
        ("binary_sensor", "problem"),
        ("device_tracker", "location"),
    ):
        registry.async_get_or_create(
            platform,
            DOMAIN,
            f"{V1}_{key}",
            config_entry=config_entry,
            device_id=device.id,
            suggested_object_id=f"car_{key}",
        )
    return V1


def _stored(value: Any, recorded_at: str | None = RECORDED, error: bool = False) -> Any:
    return {"value": value, "recorded_at": recorded_at, "error": error}


RESTORED = [
    (State("sensor.car_battery_level", "55.0"), _stored(55.0)),
    (State("sensor.car_range", STATE_UNAVAILABLE), _stored(None, error=True)),
    (State("sensor.car_charging_state", "fully_charged"), _stored("fully_charged")),
    (State("sensor.car_odometer", "12345.6"), _stored(12345.6)),
    (State("sensor.car_last_update", "2025-12-14T09:30:00+00:00"), {}),
    (State("binary_sensor.car_plugged_in", STATE_OFF), _stored(False)),
    (
        State(
            "binary_sensor.car_problem",
            STATE_ON,
            {
                "errors": [
                    {
                        "type": "CONNECTED_SERVICES_ACCOUNT",
                        "code": "AUTHENTICATION_FAILED",
                        "resolution": "REAUTHENTICATE",
                    }
                ]
            },
        ),
        {},
    ),
    (
        State("device_tracker.car_location", "not_home"),
        _stored({"latitude": 52.52, "longitude": 13.405, "heading": 90.0}),
    ),
]


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_restored_values_show_before_any_delivery(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)

    await _setup(hass, config_entry)

    assert hass.states.get("sensor.car_battery_level").state == "55.0"
    assert hass.states.get("sensor.car_charging_state").state == "fully_charged"
    assert hass.states.get("sensor.car_odometer").state == "12345.6"
    assert hass.states.get("binary_sensor.car_plugged_in").state == STATE_OFF


async def test_restore_location(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)

    await _setup(hass, config_entry)

    location = hass.states.get("device_tracker.car_location")
    assert location.attributes["latitude"] == pytest.approx(52.52)
    assert location.attributes["longitude"] == pytest.approx(13.405)
    assert location.attributes["heading"] == pytest.approx(90.0)


async def test_restore_problem_with_errors(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)

    await _setup(hass, config_entry)

    problem = hass.states.get("binary_sensor.car_problem")
    assert problem.state == STATE_ON
    assert problem.attributes["errors"] == [
        {
            "type": "CONNECTED_SERVICES_ACCOUNT",
            "code": "AUTHENTICATION_FAILED",
            "resolution": "REAUTHENTICATE",
        }
    ]


async def test_restored_last_update_is_kept_when_newer_than_every_value(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)

    await _setup(hass, config_entry)

    assert (
        hass.states.get("sensor.car_last_update").state == "2025-12-14T09:30:00+00:00"
    )


async def test_field_that_only_had_errors_loses_its_entity(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    """0.1 made battery, range, ... for every car; now a field needs a good value."""
    mock_restore_cache_with_extra_data(hass, RESTORED)

    await _setup(hass, config_entry)

    assert er.async_get(hass).async_get("sensor.car_range") is None
    assert hass.states.get("sensor.car_battery_level").state == "55.0"


async def test_registered_field_entity_without_restore_data_is_removed(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    await _setup(hass, config_entry)

    assert er.async_get(hass).async_get("sensor.car_battery_level") is None
    assert hass.states.get("binary_sensor.car_problem").state == STATE_OFF


async def test_delivery_older_than_restored_reading_does_not_override_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    post_delivery: PostDelivery,
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)
    await _setup(hass, config_entry)

    await post_delivery(load_fixture("v2_dynamic.json"))  # readings of 08:00

    assert hass.states.get("sensor.car_battery_level").state == "55.0"
    assert hass.states.get("sensor.car_charging_state").state == "fully_charged"
    # Plugged in was restored at 09:00 as well.
    assert hass.states.get("binary_sensor.car_plugged_in").state == STATE_OFF


async def test_good_reading_delivered_after_a_restored_error_ends_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    post_delivery: PostDelivery,
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)
    await _setup(hass, config_entry)

    # The restored error was delivered at 09:00; this range at 10:00.
    await post_delivery(
        _v2_single(V1, "later", _battery_item(0.6, "2025-12-14T10:00:00Z", 250.0))
    )

    range_entity = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{V1}_range"
    )
    assert float(hass.states.get(range_entity).state) == pytest.approx(250.0)


async def test_delivery_newer_than_restored_reading_replaces_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    post_delivery: PostDelivery,
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)
    await _setup(hass, config_entry)

    await post_delivery(
        _v2_single(V1, "later", _battery_item(0.9, "2025-12-14T10:00:00Z", 320))
    )

    assert hass.states.get("sensor.car_battery_level").state == "90.0"
    assert float(hass.states.get("sensor.car_range").state) == pytest.approx(320)
    assert hass.states.get("sensor.car_last_update").state == (
        "2025-12-14T10:00:00+00:00"
    )


async def test_restored_problem_is_cleared_by_resolved_error(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    post_delivery: PostDelivery,
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)
    await _setup(hass, config_entry)
    resolved = copy.deepcopy(load_fixture("v4_vehicle_error.json"))
    resolved["data"]["vehicle"]["id"] = V1
    resolved["data"]["errors"] = [
        {**resolved["data"]["errors"][0], "state": "RESOLVED"}
    ]

    await post_delivery(resolved)

    assert hass.states.get("binary_sensor.car_problem").state == STATE_OFF


async def test_restore_without_extra_data_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache(
        hass,
        [
            State("sensor.car_battery_level", "55.0"),
            State("device_tracker.car_location", "home"),
            State("sensor.car_last_update", "not a time"),
            State("binary_sensor.car_problem", STATE_ON, {"errors": "oops"}),
        ],
    )

    await _setup(hass, config_entry)

    registry = er.async_get(hass)
    assert registry.async_get("sensor.car_battery_level") is None
    assert registry.async_get("device_tracker.car_location") is None
    assert hass.states.get("sensor.car_last_update").state == STATE_UNKNOWN
    assert hass.states.get("binary_sensor.car_problem").state == STATE_OFF


@pytest.mark.parametrize(
    ("entity_id", "extra"),
    [
        ("sensor.car_battery_level", _stored("fifty-five")),
        ("sensor.car_battery_level", _stored(True)),
        ("sensor.car_battery_level", _stored(55.0, recorded_at=None)),
        ("sensor.car_battery_level", _stored(55.0, recorded_at="yesterday")),
        ("sensor.car_battery_level", {"value": 55.0}),
        ("sensor.car_charging_state", _stored("warp_speed")),
        ("binary_sensor.car_plugged_in", _stored("yes")),
        ("device_tracker.car_location", _stored([52.52, 13.405])),
        ("device_tracker.car_location", _stored({"latitude": "52", "longitude": 1})),
        ("device_tracker.car_location", _stored({"latitude": 52.52})),
    ],
    ids=[
        "text-value",
        "bool-for-number",
        "no-time",
        "bad-time",
        "only-value",
        "unknown-option",
        "text-for-bool",
        "location-list",
        "location-text",
        "location-half",
    ],
)
async def test_restore_with_bad_extra_data_is_ignored(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    entity_id: str,
    extra: dict[str, Any],
) -> None:
    mock_restore_cache_with_extra_data(hass, [(State(entity_id, "55.0"), extra)])

    await _setup(hass, config_entry)

    assert er.async_get(hass).async_get(entity_id) is None
    assert hass.states.get("binary_sensor.car_problem").state == STATE_OFF


async def test_restore_problem_skips_malformed_errors(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    errors = ["ASLEEP", {"code": "NO_TYPE"}, {"type": 3}, {"type": "PERMISSION"}]
    mock_restore_cache_with_extra_data(
        hass, [(State("binary_sensor.car_problem", STATE_ON, {"errors": errors}), {})]
    )

    await _setup(hass, config_entry)

    problem = hass.states.get("binary_sensor.car_problem")
    assert problem.state == STATE_ON
    assert problem.attributes["errors"] == [
        {"type": "PERMISSION", "code": None, "resolution": None}
    ]


async def test_restore_field_with_impossible_time_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    """A well-formed but impossible stored time must not break the entity."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.car_battery_level", "55.0"),
                _stored(55.0, recorded_at="2025-13-45T25:61:00+00:00"),
            )
        ],
    )

    await _setup(hass, config_entry)

    assert er.async_get(hass).async_get("sensor.car_battery_level") is None


async def test_restore_last_update_with_impossible_time_is_unknown(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(
        hass, [(State("sensor.car_last_update", "2025-13-45T25:61:00+00:00"), {})]
    )

    await _setup(hass, config_entry)

    last_update = hass.states.get("sensor.car_last_update")
    assert last_update is not None
    assert last_update.state == STATE_UNKNOWN


async def test_restore_with_time_without_zone_then_delivery(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    known_vehicle: str,
    post_delivery: PostDelivery,
) -> None:
    """A stored time without a zone must not break the merge of later deliveries."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.car_battery_level", "55.0"),
                _stored(55.0, recorded_at="2025-12-14T09:00:00"),
            )
        ],
    )
    await _setup(hass, config_entry)

    response = await post_delivery(load_fixture("v2_dynamic.json"))

    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert float(hass.states.get("sensor.car_range").state) == pytest.approx(312.5)


async def test_second_start_reads_the_stored_state_not_the_restore_data(
    hass: HomeAssistant, config_entry: MockConfigEntry, known_vehicle: str
) -> None:
    mock_restore_cache_with_extra_data(hass, RESTORED)
    await _setup(hass, config_entry)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    mock_restore_cache(hass, [State("sensor.car_battery_level", "1.0")])

    await _setup(hass, config_entry)

    assert hass.states.get("sensor.car_battery_level").state == "55.0"
